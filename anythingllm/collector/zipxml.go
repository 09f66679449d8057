package collector

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// Limits against zip bombs, checked on the central directory before
// anything is inflated, and again while inflating (sizes can lie).
const (
	maxZipEntries      = 10_000
	maxZipUncompressed = 512 << 20 // all entries together
	maxZipRatio        = 100       // uncompressed/compressed, for entries over 1 MiB
)

// openZip opens a container after checking its declared sizes: too many
// entries, too much data, or a suspicious compression ratio is refused
// before anything is inflated. Encrypted entries are refused too.
func openZip(name string, data []byte) (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s could not be parsed: it is corrupt or not a valid %s file.", name, kindOf(name))
	}
	if len(zr.File) > maxZipEntries {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s has too many parts (%d); it looks like a decompression bomb.", name, len(zr.File))
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > 1<<20 && (f.CompressedSize64 == 0 || f.UncompressedSize64/f.CompressedSize64 > maxZipRatio) {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s looks like a decompression bomb (a part expands more than %d times).", name, maxZipRatio)
		}
		if f.Flags&0x1 != 0 {
			return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s is encrypted with a password. Remove the password and upload it again.", name)
		}
	}
	if total > maxZipUncompressed {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s expands to more than %d MB; it looks like a decompression bomb.", name, maxZipUncompressed>>20)
	}
	return zr, nil
}

func kindOf(name string) string { return strings.ToUpper(strings.TrimPrefix(path.Ext(name), ".")) }

var errEntryTooBig = errors.New("zip entry larger than it declares")

// readEntry inflates one entry, stopping at its declared size (+1 byte to
// notice a lie), so a forged header cannot inflate more than was checked.
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
		return nil, fmt.Errorf("%w: %s", errEntryTooBig, f.Name)
	}
	return b, nil
}

func entry(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// xmlText streams an XML document and returns its character data. Text
// is taken from every element, or only from elements named in textTags
// when it is non-nil; a newline follows each element whose local name is
// in breaks; tab elements give a tab, br/cr/line-break a newline, and
// ODF's <text:s text:c="N"/> N spaces.
func xmlText(ctx context.Context, data []byte, textTags, breaks map[string]bool) (string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	dec.Entity = xml.HTMLEntity
	var b strings.Builder
	inText := 0
	for n := 0; ; n++ {
		tok, err := dec.Token()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		if n%4096 == 0 && ctx.Err() != nil {
			return "", ctx.Err()
		}
		switch t := tok.(type) {
		case xml.CharData:
			if textTags == nil || inText > 0 {
				b.Write(t)
			}
		case xml.StartElement:
			switch t.Name.Local {
			case "tab":
				b.WriteByte('\t')
			case "br", "cr", "line-break":
				b.WriteByte('\n')
			case "s":
				if textTags["h"] { // only ODF (called with text:h) has <text:s/>

					n := 1
					for _, a := range t.Attr {
						if a.Name.Local == "c" {
							if v, err := strconv.Atoi(a.Value); err == nil && v > 0 && v < 1000 {
								n = v
							}
						}
					}
					b.WriteString(strings.Repeat(" ", n))
				}
			}
			if textTags[t.Name.Local] {
				inText++
			}
		case xml.EndElement:
			if textTags[t.Name.Local] && inText > 0 {
				inText--
			}
			if breaks[t.Name.Local] {
				b.WriteByte('\n')
			}
		}
	}
}

// DOCX: text from w:t, a newline per paragraph and table row.
func parseDOCX(ctx context.Context, _ *Collector, name string, data []byte) ([]part, error) {
	zr, err := openZip(name, data)
	if err != nil {
		return nil, err
	}
	f := entry(zr, "word/document.xml")
	if f == nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s could not be parsed: it is not a Word document (no word/document.xml).", name)
	}
	b, err := readEntry(f)
	if err != nil {
		return nil, err
	}
	text, err := xmlText(ctx, b, map[string]bool{"t": true}, map[string]bool{"p": true, "tr": true})
	if err != nil {
		return nil, err
	}
	return []part{{
		title: name, author: "no author found", description: "No description found.",
		source: "docx file uploaded by the user.", text: text,
	}}, nil
}

var slideRE = regexp.MustCompile(`^ppt/slides/slide(\d+)\.xml$`)

// PPTX: text from a:t, slides in presentation order (sldIdLst and its
// relationships), falling back to numeric order of the slide files.
func parsePPTX(ctx context.Context, _ *Collector, name string, data []byte) ([]part, error) {
	zr, err := openZip(name, data)
	if err != nil {
		return nil, err
	}
	slides := slideOrder(zr)
	if len(slides) == 0 {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s could not be parsed: it is not a PowerPoint presentation (no slides).", name)
	}
	var b strings.Builder
	for _, f := range slides {
		data, err := readEntry(f)
		if err != nil {
			return nil, err
		}
		text, err := xmlText(ctx, data, map[string]bool{"t": true}, map[string]bool{"p": true})
		if err != nil {
			return nil, err
		}
		b.WriteString(text)
		b.WriteString("\n")
	}
	return []part{officePart(name, b.String())}, nil
}

func officePart(name, text string) part {
	return part{
		title: name, author: "no author found", description: "No description found.",
		source: "Office file uploaded by the user.", text: text,
	}
}

func slideOrder(zr *zip.Reader) []*zip.File {
	// Presentation order: p:sldId r:id -> relationship target.
	if pres, rels := entry(zr, "ppt/presentation.xml"), entry(zr, "ppt/_rels/presentation.xml.rels"); pres != nil && rels != nil {
		pb, err1 := readEntry(pres)
		rb, err2 := readEntry(rels)
		if err1 == nil && err2 == nil {
			var p struct {
				IDs []struct {
					RID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
				} `xml:"sldIdLst>sldId"`
			}
			var r struct {
				Rels []struct {
					ID     string `xml:"Id,attr"`
					Target string `xml:"Target,attr"`
				} `xml:"Relationship"`
			}
			if xml.Unmarshal(pb, &p) == nil && xml.Unmarshal(rb, &r) == nil && len(p.IDs) > 0 {
				targets := map[string]string{}
				for _, rel := range r.Rels {
					targets[rel.ID] = path.Join("ppt", rel.Target)
				}
				var out []*zip.File
				for _, id := range p.IDs {
					if f := entry(zr, targets[id.RID]); f != nil {
						out = append(out, f)
					}
				}
				if len(out) > 0 {
					return out
				}
			}
		}
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
	slices.SortFunc(slides, func(a, b slide) int { return a.n - b.n }) // slide10 after slide9
	out := make([]*zip.File, len(slides))
	for i, s := range slides {
		out[i] = s.f
	}
	return out
}

// ODT/ODP: content.xml, text of text:p and text:h, a newline after each.
func parseODF(ctx context.Context, _ *Collector, name string, data []byte) ([]part, error) {
	zr, err := openZip(name, data)
	if err != nil {
		return nil, err
	}
	f := entry(zr, "content.xml")
	if f == nil {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "%s could not be parsed: it is not an OpenDocument file (no content.xml).", name)
	}
	b, err := readEntry(f)
	if err != nil {
		return nil, err
	}
	text, err := xmlText(ctx, b, map[string]bool{"p": true, "h": true}, map[string]bool{"p": true, "h": true})
	if err != nil {
		return nil, err
	}
	return []part{officePart(name, text)}, nil
}

// EPUB: container.xml -> OPF -> spine documents in order, each converted
// from XHTML to Markdown.
func parseEPUB(ctx context.Context, _ *Collector, name string, data []byte) ([]part, error) {
	zr, err := openZip(name, data)
	if err != nil {
		return nil, err
	}
	notEPUB := func(why string) error {
		return anythingllm.Errorf(anythingllm.InvalidArgument, "%s could not be parsed: it is not a valid EPUB (%s).", name, why)
	}
	cf := entry(zr, "META-INF/container.xml")
	if cf == nil {
		return nil, notEPUB("no META-INF/container.xml")
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
		return nil, notEPUB("no package document")
	}
	opfPath := container.Rootfiles[0].Path
	of := entry(zr, opfPath)
	if of == nil {
		return nil, notEPUB("missing " + opfPath)
	}
	ob, err := readEntry(of)
	if err != nil {
		return nil, err
	}
	var pkg struct {
		Manifest []struct {
			ID   string `xml:"id,attr"`
			Href string `xml:"href,attr"`
		} `xml:"manifest>item"`
		Spine []struct {
			IDRef string `xml:"idref,attr"`
		} `xml:"spine>itemref"`
	}
	if err := xml.Unmarshal(ob, &pkg); err != nil {
		return nil, notEPUB("unreadable package document")
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
		md, err := htmlToMarkdown(ctx, bytes.NewReader(data), "text/html; charset=utf-8", "")
		if err != nil {
			return nil, err
		}
		if md != "" {
			b.WriteString(md)
			b.WriteString("\n\n")
		}
	}
	return []part{{
		title: name, author: "Unknown", description: "Unknown",
		source: "a epub file uploaded by the user.", text: b.String(),
	}}, nil
}
