package collector

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Limits against zip bombs.
const (
	maxZipEntries      = 10_000
	maxZipUncompressed = 512 << 20
	maxZipRatio        = 200
)

// openZip opens a container after checking its declared sizes: too many
// entries, too much data, or a suspicious compression ratio is refused
// before anything is inflated.
func openZip(name string, data []byte) (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a valid document (corrupt or not a zip container).", name)
	}
	if len(zr.File) > maxZipEntries {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s has too many parts (%d).", name, len(zr.File))
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > maxZipRatio && f.UncompressedSize64 > 1<<20 {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s looks like a decompression bomb (a part expands %d times).", name, f.UncompressedSize64/f.CompressedSize64)
		}
	}
	if total > maxZipUncompressed {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s expands to more than %d MB.", name, maxZipUncompressed>>20)
	}
	for _, f := range zr.File {
		if f.Flags&0x1 != 0 {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is encrypted; remove the password and upload it again.", name)
		}
	}
	return zr, nil
}

// readEntry reads one entry, capped at its declared size (+1 to notice lies).
func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if err != nil {
		return nil, err
	}
	if uint64(len(b)) > f.UncompressedSize64 {
		return nil, fmt.Errorf("entry %s is larger than it claims", f.Name)
	}
	return b, nil
}

// xmlText streams an XML document and returns its character data, with a
// newline after each element whose local name is in breaks and a tab for
// tabs (w:tab, text:tab).
func xmlText(ctx context.Context, data []byte, breaks map[string]bool) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	var b strings.Builder
	n := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return "", ctx.Err()
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			switch t.Name.Local {
			case "tab":
				b.WriteByte('\t')
			case "br", "line-break":
				b.WriteByte('\n')
			}
		case xml.EndElement:
			if breaks[t.Name.Local] {
				b.WriteByte('\n')
			}
		}
	}
}

func entry(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	return nil
}

var wordBreaks = map[string]bool{"p": true, "tr": true}

func parseDOCX(ctx context.Context, name string, data []byte) ([]Part, error) {
	zr, err := openZip(name, data)
	if err != nil {
		return nil, err
	}
	f := entry(zr, "word/document.xml")
	if f == nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a Word document (no word/document.xml).", name)
	}
	b, err := readEntry(f)
	if err != nil {
		return nil, err
	}
	text, err := xmlText(ctx, b, wordBreaks)
	return []Part{{Text: text, Author: coreAuthor(zr)}}, err
}

var slideRE = regexp.MustCompile(`^ppt/slides/slide(\d+)\.xml$`)

func parsePPTX(ctx context.Context, name string, data []byte) ([]Part, error) {
	zr, err := openZip(name, data)
	if err != nil {
		return nil, err
	}
	type slide struct {
		n int
		f *zip.File
	}
	var slides []slide
	for _, f := range zr.File {
		if m := slideRE.FindStringSubmatch(f.Name); m != nil {
			n, _ := strconv.Atoi(m[1])
			slides = append(slides, slide{n, f})
		}
	}
	if len(slides) == 0 {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not a PowerPoint presentation (no slides).", name)
	}
	sort.Slice(slides, func(i, j int) bool { return slides[i].n < slides[j].n }) // slide10 after slide9
	var b strings.Builder
	for _, s := range slides {
		data, err := readEntry(s.f)
		if err != nil {
			return nil, err
		}
		text, err := xmlText(ctx, data, map[string]bool{"p": true})
		if err != nil {
			return nil, err
		}
		b.WriteString(text)
		b.WriteString("\n")
	}
	return []Part{{Text: b.String(), Author: coreAuthor(zr)}}, nil
}

func parseODF(ctx context.Context, name string, data []byte) ([]Part, error) {
	zr, err := openZip(name, data)
	if err != nil {
		return nil, err
	}
	f := entry(zr, "content.xml")
	if f == nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not an OpenDocument file (no content.xml).", name)
	}
	b, err := readEntry(f)
	if err != nil {
		return nil, err
	}
	text, err := xmlText(ctx, b, map[string]bool{"p": true, "h": true, "table-row": true})
	return []Part{{Text: text}}, err
}

// coreAuthor reads dc:creator from an OOXML package.
func coreAuthor(zr *zip.Reader) string {
	f := entry(zr, "docProps/core.xml")
	if f == nil {
		return ""
	}
	b, err := readEntry(f)
	if err != nil {
		return ""
	}
	var core struct {
		Creator string `xml:"creator"`
	}
	_ = xml.Unmarshal(b, &core)
	return strings.TrimSpace(core.Creator)
}

// parseEPUB reads the spine of an EPUB in order.
func parseEPUB(ctx context.Context, name string, data []byte) ([]Part, error) {
	zr, err := openZip(name, data)
	if err != nil {
		return nil, err
	}
	cf := entry(zr, "META-INF/container.xml")
	if cf == nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is not an EPUB (no META-INF/container.xml).", name)
	}
	cb, err := readEntry(cf)
	if err != nil {
		return nil, err
	}
	var container struct {
		Rootfiles []struct {
			Path string `xml:"full-path,attr"`
		} `xml:"rootfiles>rootfile"`
	}
	if err := xml.Unmarshal(cb, &container); err != nil || len(container.Rootfiles) == 0 {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s has no package document.", name)
	}
	opfPath := container.Rootfiles[0].Path
	of := entry(zr, opfPath)
	if of == nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is missing %s.", name, opfPath)
	}
	ob, err := readEntry(of)
	if err != nil {
		return nil, err
	}
	var pkg struct {
		Title    string `xml:"metadata>title"`
		Creator  string `xml:"metadata>creator"`
		Manifest []struct {
			ID   string `xml:"id,attr"`
			Href string `xml:"href,attr"`
		} `xml:"manifest>item"`
		Spine []struct {
			IDRef string `xml:"idref,attr"`
		} `xml:"spine>itemref"`
	}
	if err := xml.Unmarshal(ob, &pkg); err != nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s has an unreadable package document.", name)
	}
	hrefs := map[string]string{}
	for _, m := range pkg.Manifest {
		hrefs[m.ID] = m.Href
	}
	base := path.Dir(opfPath)
	var b strings.Builder
	for _, s := range pkg.Spine {
		href, ok := hrefs[s.IDRef]
		if !ok {
			continue
		}
		f := entry(zr, path.Join(base, href))
		if f == nil {
			continue
		}
		data, err := readEntry(f)
		if err != nil {
			return nil, err
		}
		text, err := xmlText(ctx, data, map[string]bool{"p": true, "div": true, "h1": true, "h2": true, "h3": true, "li": true, "br": true})
		if err != nil {
			return nil, err
		}
		b.WriteString(strings.TrimSpace(text))
		b.WriteString("\n\n")
	}
	return []Part{{Title: strings.TrimSpace(pkg.Title), Author: strings.TrimSpace(pkg.Creator), Text: b.String()}}, nil
}
