# The image of a tablet's mysqld container for hack/e2e-kind.sh: MySQL with
# Vitess's mysqlctld and its MySQL configuration beside it. vitess/lite
# carries the Vitess binaries but not mysqld.
FROM vitess/lite:v24.0.0 AS vitess
FROM mysql:8.0.40
COPY --from=vitess /vt /vt
ENV VTROOT=/vt VTDATAROOT=/vt/vtdataroot PATH=/vt/bin:$PATH
