package main

import (
	"fmt"
	"io"

	"github.com/go-logr/logr"
	"github.com/sirupsen/logrus"
	"k8s.io/klog/v2"

	"github.com/vitess-operator/vitess-operator/pkg/redact"
)

// newLogger returns the operator's logger, and sends client-go's klog output
// through it so that every line has the same format.
func newLogger(level, format string, out io.Writer) (*logrus.Logger, error) {
	log := logrus.New()
	log.SetOutput(out)
	lvl, err := logrus.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	log.SetLevel(lvl)
	// Milliseconds: a failover takes about a second, and its steps must be
	// told apart in the log.
	const stamp = "2006-01-02T15:04:05.000Z07:00"
	var f logrus.Formatter = &logrus.TextFormatter{FullTimestamp: true, TimestampFormat: stamp}
	if format == "json" {
		f = &logrus.JSONFormatter{TimestampFormat: stamp}
	}
	log.SetFormatter(maskingFormatter{next: f, r: redact.New()})
	klog.SetLogger(logr.New(&logrusSink{entry: log.WithField("component", "client-go")}))
	return log, nil
}

// maskingFormatter masks secret-looking values (pkg/redact) in every
// formatted line: errors logged by a failed pass may quote what a command
// printed, and client-go's own messages are not the operator's to vet.
type maskingFormatter struct {
	next logrus.Formatter
	r    *redact.Redactor
}

// Format formats the entry with next and masks the result.
func (m maskingFormatter) Format(e *logrus.Entry) ([]byte, error) {
	b, err := m.next.Format(e)
	if err != nil {
		return nil, err
	}
	return []byte(m.r.Mask(string(b))), nil
}

// logrusSink is a logr sink writing to logrus: klog's verbosity 0 is info,
// anything more verbose is debug.
type logrusSink struct {
	entry *logrus.Entry
}

func (s *logrusSink) Init(logr.RuntimeInfo) {}

func (s *logrusSink) Enabled(level int) bool {
	return level == 0 || s.entry.Logger.IsLevelEnabled(logrus.DebugLevel)
}

func (s *logrusSink) Info(level int, msg string, kv ...any) {
	e := s.with(kv)
	if level > 0 {
		e.Debug(msg)
		return
	}
	e.Info(msg)
}

func (s *logrusSink) Error(err error, msg string, kv ...any) {
	s.with(kv).WithError(err).Error(msg)
}

func (s *logrusSink) WithValues(kv ...any) logr.LogSink {
	return &logrusSink{entry: s.with(kv)}
}

func (s *logrusSink) WithName(name string) logr.LogSink {
	return &logrusSink{entry: s.entry.WithField("logger", name)}
}

func (s *logrusSink) with(kv []any) *logrus.Entry {
	fields := logrus.Fields{}
	for i := 0; i+1 < len(kv); i += 2 {
		fields[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return s.entry.WithFields(fields)
}
