package main

import (
	"fmt"
	"io"

	"github.com/go-logr/logr"
	"github.com/sirupsen/logrus"
	"k8s.io/klog/v2"
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
	if format == "json" {
		log.SetFormatter(&logrus.JSONFormatter{TimestampFormat: stamp})
	} else {
		log.SetFormatter(&logrus.TextFormatter{FullTimestamp: true, TimestampFormat: stamp})
	}
	klog.SetLogger(logr.New(&logrusSink{entry: log.WithField("component", "client-go")}))
	return log, nil
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
