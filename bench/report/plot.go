package main

import (
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/anythingllm-go/anythingllm/bench/internal/benchdata"
)

// series is one line of a plot: x and the median y, with the min-max
// spread drawn as error bars.
type series struct {
	name string
	pts  []pt
}

type pt struct{ x, y, lo, hi float64 }

func savePlot(path, title, xlabel, ylabel string, logX, logY bool, ss []series) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	drawn := 0
	for i, s := range ss {
		if len(s.pts) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(s.pts))
		errs := make(plotter.YErrors, len(s.pts))
		for j, q := range s.pts {
			xys[j] = plotter.XY{X: q.x, Y: q.y}
			errs[j].Low, errs[j].High = q.y-q.lo, q.hi-q.y
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		c := plotutil.Color(i)
		line.Color, points.Color = c, c
		points.Shape = plotutil.Shape(i)
		if strings.Contains(s.name, "floor") {
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			line.Color, points.Color = color.Gray{Y: 90}, color.Gray{Y: 90}
		}
		p.Add(line, points)
		if eb, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{xys, errs}); err == nil {
			eb.Color = line.Color
			p.Add(eb)
		}
		p.Legend.Add(s.name, line, points)
		drawn++
	}
	if drawn == 0 {
		return fmt.Errorf("nothing to plot")
	}
	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}

func (r *runner) point(name, unit string, x float64) (pt, bool) {
	s, ok := r.res.get(name, unit)
	if !ok || s.Median <= 0 {
		return pt{}, false
	}
	return pt{x: x, y: s.Median, lo: s.Min, hi: s.Max}, true
}

func (r *runner) plotVector(dir string, sizes []benchdata.Size) error {
	for _, d := range dims(sizes) {
		var ss []series
		names := []struct{ label, sub string }{{"streaming floor", "app-exact|floor-ms"}}
		for _, m := range r.appModes() {
			names = append(names, struct{ label, sub string }{"App " + strings.TrimPrefix(m, "app-") + " (flatvec)", m + "|ms/query"})
		}
		names = append(names, struct{ label, sub string }{"chromem-go QueryEmbedding", "chromem|ms/query"})
		for _, n := range names {
			sub, unit, _ := strings.Cut(n.sub, "|")
			s := series{name: n.label}
			for _, size := range sizes {
				if size.Dim != d {
					continue
				}
				if q, ok := r.point("VectorSearch/"+size.String()+"/"+sub, unit, float64(size.Rows)); ok {
					s.pts = append(s.pts, q)
				}
			}
			ss = append(ss, s)
		}
		for _, v := range lanceVersions {
			s := series{name: "LanceDB " + v + " flat"}
			for _, size := range sizes {
				if lr := r.lanceFor(v, size); size.Dim == d && lr != nil && lr.Err == "" {
					st := summarize(lr.QueryMS)
					s.pts = append(s.pts, pt{x: float64(size.Rows), y: st.Median, lo: st.Min, hi: st.Max})
				}
			}
			ss = append(ss, s)
		}
		if err := savePlot(filepath.Join(dir, fmt.Sprintf("vector-search-%d.svg", d)), fmt.Sprintf("Top-10 search, %d dimensions", d),
			"rows", "ms per query (median, min-max)", true, true, ss); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) plotHTTP(dir, db string) error {
	var ss []series
	for _, rt := range httpRoutes {
		s := series{name: rt}
		for _, c := range []int{1, 16, 64} {
			if q, ok := r.point(fmt.Sprintf("HTTP/%s/%s/c%d", db, rt, c), "x-bare", float64(c)); ok {
				s.pts = append(s.pts, q)
			}
		}
		ss = append(ss, s)
	}
	return savePlot(filepath.Join(dir, "http-"+db+".svg"), "Throughput relative to a bare net/http handler ("+db+")",
		"connections", "req/s over the bare handler's", true, false, ss)
}

func (r *runner) plotHistory(dir string) error {
	var ss []series
	for _, which := range []string{"newest100", "oldest100"} {
		s := series{name: which}
		for _, n := range r.historySizes() {
			if q, ok := r.point(fmt.Sprintf("ChatHistory/%d/%s", n, which), "ms/list", float64(n)); ok {
				s.pts = append(s.pts, q)
			}
		}
		ss = append(ss, s)
	}
	return savePlot(filepath.Join(dir, "chat-history.svg"), "Listing 100 chats of a growing workspace (SQLite)",
		"chats in the workspace", "ms per listing (median, min-max)", true, false, ss)
}
