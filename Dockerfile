# Builds the operator into a minimal image that runs as a non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd/ cmd/
COPY pkg/ pkg/
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/vitess-operator ./cmd/vitess-operator

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vitess-operator /vitess-operator
USER 65532:65532
ENTRYPOINT ["/vitess-operator"]
