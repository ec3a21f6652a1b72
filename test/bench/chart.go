package main

import (
	"fmt"
	"os"
	"strings"
)

// writeChart draws bring-up time against shard count, one line per system,
// as an SVG.
func writeChart(path string, rs []bringUp) error {
	return os.WriteFile(path, []byte(chart(rs)), 0o644)
}

// chart renders the SVG: shard count on a linear x axis, seconds on y.
func chart(rs []bringUp) string {
	const w, h, left, bottom, top, right = 640.0, 400.0, 60.0, 50.0, 30.0, 150.0
	maxX, maxY := 1.0, 1.0
	for _, r := range rs {
		maxX = max(maxX, float64(r.Shards))
		maxY = max(maxY, r.Operator.Seconds(), r.StatefulSets.Seconds())
	}
	x := func(n int) float64 { return left + float64(n)/maxX*(w-left-right) }
	y := func(s float64) float64 { return h - bottom - s/maxY*(h-bottom-top) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%.0f" y="18">Bring-up time against shard count (%d tablets a shard)</text>`+"\n", left, tabletsPerShard)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="black"/>`+"\n", left, h-bottom, w-right, h-bottom)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="black"/>`+"\n", left, top, left, h-bottom)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">shards</text>`+"\n", (left+w-right)/2, h-12)
	fmt.Fprintf(&b, `<text x="14" y="%.0f" transform="rotate(-90 14 %.0f)" text-anchor="middle">seconds</text>`+"\n", (top+h-bottom)/2, (top+h-bottom)/2)
	for i := 0; i <= 4; i++ {
		s := maxY * float64(i) / 4
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">%.0f</text>`+"\n", left-6, y(s)+4, s)
	}
	for _, r := range rs {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">%d</text>`+"\n", x(r.Shards), h-bottom+16, r.Shards)
	}
	series := []struct {
		name, color string
		at          func(bringUp) float64
	}{
		{"vitess-operator", "#1f77b4", func(r bringUp) float64 { return r.Operator.Seconds() }},
		{"StatefulSet controller", "#d62728", func(r bringUp) float64 { return r.StatefulSets.Seconds() }},
	}
	for i, s := range series {
		var pts []string
		for _, r := range rs {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(r.Shards), y(s.at(r))))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", x(r.Shards), y(s.at(r)), s.color)
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), s.color)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" fill="%s">%s</text>`+"\n", w-right+10, top+20+float64(i)*18, s.color, s.name)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
