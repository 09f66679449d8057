package collector

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/anythingllm-go/anythingllm/anythingllm"
	_ "github.com/emersion/go-message/charset" // decode windows-1252, ISO-8859-x ... bodies
	"github.com/emersion/go-message/mail"
)

// maxMailPart bounds one decoded body part.
const maxMailPart = 32 << 20

type message struct {
	subject, from, to, date string
	text                    string
	attachments             []string
}

// readMessage decodes one RFC 5322 message: headers (RFC 2047 words
// decoded), the text/plain body, or the HTML body converted to Markdown
// when there is no plain one, and the names of attachments.
func readMessage(ctx context.Context, r io.Reader) (message, error) {
	mr, err := mail.CreateReader(r)
	if err != nil && mr == nil {
		return message{}, err
	}
	var m message
	h := mr.Header
	m.subject, _ = h.Subject()
	m.from = decodeHeader(h.Get("From"))
	m.to = decodeHeader(h.Get("To"))
	m.date = h.Get("Date")
	var plain, htmlBody strings.Builder
	for {
		if ctx.Err() != nil {
			return message{}, ctx.Err()
		}
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if plain.Len() > 0 || htmlBody.Len() > 0 {
				break // keep what was readable before the damage
			}
			return message{}, err
		}
		switch ph := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := ph.ContentType()
			b, _ := io.ReadAll(io.LimitReader(p.Body, maxMailPart))
			switch ct {
			case "text/plain", "":
				plain.Write(b)
			case "text/html":
				if md, err := htmlToMarkdown(ctx, bytes.NewReader(b), "text/html; charset=utf-8", ""); err == nil {
					htmlBody.WriteString(md)
				}
			}
		case *mail.AttachmentHeader:
			if fn, err := ph.Filename(); err == nil && fn != "" {
				m.attachments = append(m.attachments, fn)
			}
		}
	}
	m.text = plain.String()
	if strings.TrimSpace(m.text) == "" {
		m.text = htmlBody.String()
	}
	m.text = strings.ToValidUTF8(strings.ReplaceAll(m.text, "\r\n", "\n"), "\uFFFD")
	return m, nil
}

func decodeHeader(v string) string {
	if d, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// withHeaders puts the envelope in front of the body, so the sender, date
// and subject are searchable like the text.
func (m message) withHeaders() string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\n", m.from)
	if m.to != "" {
		fmt.Fprintf(&b, "To: %s\n", m.to)
	}
	if m.date != "" {
		fmt.Fprintf(&b, "Date: %s\n", m.date)
	}
	fmt.Fprintf(&b, "Subject: %s\n", m.subject)
	if len(m.attachments) > 0 {
		fmt.Fprintf(&b, "Attachments: %s\n", strings.Join(m.attachments, ", "))
	}
	b.WriteString("\n")
	b.WriteString(m.text)
	return b.String()
}

// parseEML reads one message. Upstream has no .eml converter and stores
// the raw MIME source as text; decoding it keeps base64 and quoted-
// printable noise out of the document (recorded in docs/compatibility.md).
func parseEML(ctx context.Context, _ *Collector, name string, data []byte) ([]part, error) {
	m, err := readMessage(ctx, bytes.NewReader(data))
	if err != nil {
		return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s could not be parsed: it is not a valid e-mail message.", name)
	}
	if strings.TrimSpace(m.text) == "" {
		return nil, nil
	}
	return []part{{
		title: name, author: cmp.Or(m.from, "Unknown"), description: cmp.Or(m.subject, "Unknown"),
		source: "an eml file uploaded by the user.", text: m.withHeaders(),
	}}, nil
}

// parseMBOX yields one document per message with a text body, as
// upstream: title "<slugified subject>.mbox" (or "msg_<n>-<file>"),
// author the sender, chunkSource the file name. Messages are split at
// "From " lines; mboxrd ">From " escapes are undone.
func parseMBOX(ctx context.Context, _ *Collector, name string, data []byte) ([]part, error) {
	var parts []part
	item := 1
	var cur bytes.Buffer
	started := false
	flush := func() {
		if cur.Len() == 0 {
			return
		}
		m, err := readMessage(ctx, bytes.NewReader(cur.Bytes()))
		cur.Reset()
		if err != nil || strings.TrimSpace(m.text) == "" {
			return // a broken or empty message does not lose the others
		}
		title := fmt.Sprintf("msg_%d-%s", item, name)
		if m.subject != "" {
			title = slugify(strings.Replace(m.subject, ".", "", 1), false) + ".mbox"
		}
		item++
		parts = append(parts, part{
			title: title, author: m.from, description: "No description found.",
			source: "Mbox message file uploaded by the user.", chunkSource: name,
			text: m.text, ignoreMeta: true,
		})
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 0; sc.Scan(); n++ {
		line := sc.Bytes()
		if bytes.HasPrefix(line, []byte("From ")) {
			flush()
			started = true
			continue
		}
		if !started {
			continue // junk before the first separator
		}
		if bytes.HasPrefix(bytes.TrimLeft(line, ">"), []byte("From ")) {
			line = line[1:] // mboxrd: one level of ">" quoting removed
		}
		cur.Write(line)
		cur.WriteByte('\n')
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if err := sc.Err(); err != nil {
		return nil, anythingllm.WrapError(anythingllm.InvalidArgument, err, "%s could not be parsed: a line is too long for a mailbox.", name)
	}
	flush()
	if !started {
		return nil, anythingllm.Errorf(anythingllm.InvalidArgument, "No mail items found in %s.", name)
	}
	return parts, nil
}
