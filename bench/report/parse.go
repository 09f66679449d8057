package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// results holds every value each benchmark reported, by name (without the
// -GOMAXPROCS suffix) and unit, one value per -count round.
type results map[string]map[string][]float64

var procsSuffix = regexp.MustCompile(`-\d+$`)

// parseBench reads the standard benchmark format ("BenchmarkName-2  N
// v1 unit1  v2 unit2 ..."), as documented in golang.org/x/perf's
// benchfmt; other lines are ignored.
func parseBench(r io.Reader, into results) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := procsSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		m := into[name]
		if m == nil {
			m = map[string][]float64{}
			into[name] = m
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			m[f[i+1]] = append(m[f[i+1]], v)
		}
	}
}

// stat is a figure over its runs.
type stat struct {
	Median, Min, Max float64
	N                int
}

func summarize(vs []float64) stat {
	if len(vs) == 0 {
		return stat{}
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{Median: med, Min: s[0], Max: s[len(s)-1], N: len(s)}
}

// get returns the figure of name and unit, and whether it was measured.
func (r results) get(name, unit string) (stat, bool) {
	vs := r[name][unit]
	if len(vs) == 0 {
		return stat{}, false
	}
	return summarize(vs), true
}
