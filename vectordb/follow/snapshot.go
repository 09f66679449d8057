package follow

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/anythingllm-go/anythingllm/anythingllm"
)

// A snapshot is the stored vectors in one local file, so that a restart
// reads one sequential file instead of decoding every row from SQL. It
// records the change-log position it reflects; a load from it applies the
// log from there. It is only a cache: a snapshot that is missing, of
// another version, of another database, older than what the log still
// keeps, or whose checksum does not match is ignored (and rewritten from
// SQL by the load that follows).
//
// Layout (little-endian): the magic "ALLMVSNP", a uint32 version, the
// database identity (uvarint length + bytes), the int64 position, then one
// record per vector: tag 1, namespace, id, docID, text, metadata JSON
// (each uvarint length + bytes), uvarint dimension, dimension float32s;
// then tag 0, the int64 record count and the CRC-32C of every byte before
// it.

const (
	snapshotMagic   = "ALLMVSNP"
	snapshotVersion = 1
	// snapshotDBLabel names the setting holding the database identity that
	// ties a snapshot to its database (a restored backup or another
	// database gets another one, or none).
	snapshotDBLabel = "vector_snapshot_database_id"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errSnapshotUnusable wraps every reason a snapshot is ignored.
var errSnapshotUnusable = errors.New("snapshot unusable")

// errSnapshotStopped ends a read whose records are no longer wanted.
var errSnapshotStopped = errors.New("snapshot read stopped")

// databaseID returns the identity stored in the database, making one on
// first use.
func databaseID(ctx context.Context, s anythingllm.Store) (string, error) {
	id, err := s.Settings().Get(ctx, snapshotDBLabel)
	if err == nil && id != "" {
		return id, nil
	}
	if err != nil && !errors.Is(err, anythingllm.ErrNotFound) {
		return "", err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id = hex.EncodeToString(b)
	if err := s.Settings().Set(ctx, snapshotDBLabel, id); err != nil {
		return "", err
	}
	// Two processes may race to make one: the stored value wins.
	if again, err := s.Settings().Get(ctx, snapshotDBLabel); err == nil && again != "" {
		return again, nil
	}
	return id, nil
}

// snapshotWriter writes a snapshot to a temporary file beside path and
// renames it into place on commit, so a reader never sees half of one.
type snapshotWriter struct {
	f     *os.File
	w     *bufio.Writer
	crc   hash.Hash32
	path  string
	count int64
	buf   []byte
}

func createSnapshot(path, dbID string, pos int64) (*snapshotWriter, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	sw := &snapshotWriter{f: f, crc: crc32.New(castagnoli), path: path}
	sw.w = bufio.NewWriterSize(io.MultiWriter(f, sw.crc), 1<<20)
	b := append([]byte(snapshotMagic), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[len(snapshotMagic):], snapshotVersion)
	b = appendBytes(b, []byte(dbID))
	b = binary.LittleEndian.AppendUint64(b, uint64(pos)) // #nosec G115 -- a log position, never negative
	if _, err := sw.w.Write(b); err != nil {
		sw.abort()
		return nil, err
	}
	return sw, nil
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// add writes one namespace's records.
func (sw *snapshotWriter) add(namespace string, recs []anythingllm.VectorRecord) error {
	for _, r := range recs {
		meta, err := json.Marshal(r.Metadata)
		if err != nil {
			return err
		}
		b := append(sw.buf[:0], 1)
		b = appendBytes(b, []byte(namespace))
		b = appendBytes(b, []byte(r.ID))
		b = appendBytes(b, []byte(r.DocID))
		b = appendBytes(b, []byte(r.Text))
		b = appendBytes(b, meta)
		b = binary.AppendUvarint(b, uint64(len(r.Vector)))
		for _, f := range r.Vector {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		}
		sw.buf = b
		if _, err := sw.w.Write(b); err != nil {
			return err
		}
		sw.count++
	}
	return nil
}

// commit writes the trailer, syncs and renames the file into place.
func (sw *snapshotWriter) commit() error {
	b := binary.LittleEndian.AppendUint64([]byte{0}, uint64(sw.count)) // #nosec G115 -- a count
	if _, err := sw.w.Write(b); err != nil {
		sw.abort()
		return err
	}
	if err := sw.w.Flush(); err != nil {
		sw.abort()
		return err
	}
	if _, err := sw.f.Write(binary.LittleEndian.AppendUint32(nil, sw.crc.Sum32())); err != nil {
		sw.abort()
		return err
	}
	if err := sw.f.Sync(); err != nil {
		sw.abort()
		return err
	}
	if err := sw.f.Close(); err != nil {
		_ = os.Remove(sw.f.Name())
		return err
	}
	return os.Rename(sw.f.Name(), sw.path)
}

func (sw *snapshotWriter) abort() {
	_ = sw.f.Close()
	_ = os.Remove(sw.f.Name())
}

// snapshotReader reads a snapshot written by snapshotWriter.
type snapshotReader struct {
	f   *os.File
	r   *hashingReader
	pos int64
	buf []byte // a string field being read
	raw []byte // a vector being read
}

// hashingReader hashes the bytes its caller consumes (not what the buffer
// below read ahead), so the checksum covers exactly what came before it.
type hashingReader struct {
	br  *bufio.Reader
	crc hash.Hash32
	one [1]byte
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.br.Read(p)
	_, _ = h.crc.Write(p[:n]) // a hash.Hash never fails
	return n, err
}

func (h *hashingReader) ReadByte() (byte, error) {
	b, err := h.br.ReadByte()
	if err == nil {
		h.one[0] = b
		_, _ = h.crc.Write(h.one[:])
	}
	return b, err
}

func unusable(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errSnapshotUnusable}, args...)...)
}

// openSnapshot opens path and checks its header against dbID.
func openSnapshot(path, dbID string) (*snapshotReader, error) {
	f, err := os.Open(path) // #nosec G304 -- the operator's snapshot path
	if err != nil {
		return nil, unusable("%v", err)
	}
	sr := &snapshotReader{f: f, r: &hashingReader{br: bufio.NewReaderSize(f, 1<<20), crc: crc32.New(castagnoli)}}
	head := make([]byte, len(snapshotMagic)+4)
	if _, err := io.ReadFull(sr.r, head); err != nil || string(head[:len(snapshotMagic)]) != snapshotMagic {
		sr.close()
		return nil, unusable("not a vector snapshot")
	}
	if v := binary.LittleEndian.Uint32(head[len(snapshotMagic):]); v != snapshotVersion {
		sr.close()
		return nil, unusable("version %d, this build writes %d", v, snapshotVersion)
	}
	id, err := sr.bytes()
	if err != nil || string(id) != dbID {
		sr.close()
		return nil, unusable("made from another database")
	}
	var p [8]byte
	if _, err := io.ReadFull(sr.r, p[:]); err != nil {
		sr.close()
		return nil, unusable("truncated header")
	}
	sr.pos = int64(binary.LittleEndian.Uint64(p[:])) // #nosec G115 -- checked by the checksum
	return sr, nil
}

// maxSnapshotField bounds one field, so a corrupt length cannot make the
// reader allocate gigabytes before the checksum fails.
const maxSnapshotField = 64 << 20

func (sr *snapshotReader) bytes() ([]byte, error) {
	n, err := binary.ReadUvarint(sr.r)
	if err != nil {
		return nil, err
	}
	if n > maxSnapshotField {
		return nil, unusable("a field of %d bytes", n)
	}
	if uint64(cap(sr.buf)) < n {
		sr.buf = make([]byte, n)
	}
	b := sr.buf[:n]
	_, err = io.ReadFull(sr.r, b)
	return b, err
}

// skip reads past one field (through the checksum) without keeping it.
func (sr *snapshotReader) skip() error {
	n, err := binary.ReadUvarint(sr.r)
	if err != nil {
		return err
	}
	if n > maxSnapshotField {
		return unusable("a field of %d bytes", n)
	}
	_, err = io.CopyN(io.Discard, sr.r, int64(n)) // #nosec G115 -- bounded above
	return err
}

func (sr *snapshotReader) str() (string, error) {
	b, err := sr.bytes()
	return string(b), err
}

// each calls fn with runs of records of one namespace (at most batch
// each), then checks the count and the checksum. An error from fn or from
// the file ends it; the caller must then discard what fn received.
func (sr *snapshotReader) each(batch int, payloads bool, fn func(namespace string, recs []anythingllm.VectorRecord) error) (int, error) {
	var (
		ns       string
		recs     []anythingllm.VectorRecord
		n        int
		prevMeta []byte
		prevMD   map[string]any
	)
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		err := fn(ns, recs)
		recs = nil // fn may keep the slice
		return err
	}
	for {
		tag, err := sr.r.ReadByte()
		if err != nil {
			return n, unusable("truncated")
		}
		if tag == 0 {
			break
		}
		if tag != 1 {
			return n, unusable("bad record tag %d", tag)
		}
		rns, err1 := sr.str()
		id, err2 := sr.str()
		doc, err3 := sr.str()
		if err := errors.Join(err1, err2, err3); err != nil {
			return n, unusable("truncated record: %v", err)
		}
		var (
			text string
			md   map[string]any
		)
		if payloads {
			t, err4 := sr.str()
			meta, err5 := sr.bytes()
			if err := errors.Join(err4, err5); err != nil {
				return n, unusable("truncated record: %v", err)
			}
			text = t
			// The chunks of one document carry the same metadata (and the
			// App gives them one map): decode it once per run of equal
			// bytes.
			if !bytes.Equal(meta, prevMeta) {
				prevMD = nil
				if string(meta) != "null" {
					if err := json.Unmarshal(meta, &prevMD); err != nil {
						return n, unusable("bad metadata: %v", err)
					}
				}
				prevMeta = append(prevMeta[:0], meta...)
			}
			md = prevMD
		} else if err := errors.Join(sr.skip(), sr.skip()); err != nil {
			// The index reads texts and metadata elsewhere: they are only
			// checksummed, never decoded.
			return n, unusable("truncated record: %v", err)
		}
		dim, err := binary.ReadUvarint(sr.r)
		if err != nil || dim > maxSnapshotField/4 {
			return n, unusable("bad dimension")
		}
		if uint64(cap(sr.raw)) < dim*4 {
			sr.raw = make([]byte, dim*4)
		}
		raw := sr.raw[:dim*4]
		if _, err := io.ReadFull(sr.r, raw); err != nil {
			return n, unusable("truncated vector")
		}
		v := make([]float32, dim)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i : 4*i+4]))
		}
		if rns != ns || len(recs) >= batch {
			if err := flush(); err != nil {
				return n, err
			}
			ns = rns
		}
		recs = append(recs, anythingllm.VectorRecord{ID: id, DocID: doc, Text: text, Metadata: md, Vector: v})
		n++
	}
	if err := flush(); err != nil {
		return n, err
	}
	var cnt [8]byte
	if _, err := io.ReadFull(sr.r, cnt[:]); err != nil || binary.LittleEndian.Uint64(cnt[:]) != uint64(n) { // #nosec G115 -- a count
		return n, unusable("record count does not match")
	}
	sum := sr.r.crc.Sum32()
	var c [4]byte
	if _, err := io.ReadFull(sr.r.br, c[:]); err != nil {
		return n, unusable("no checksum")
	}
	if binary.LittleEndian.Uint32(c[:]) != sum {
		return n, unusable("checksum mismatch")
	}
	if _, err := sr.r.br.ReadByte(); err != io.EOF {
		return n, unusable("data after the checksum")
	}
	return n, nil
}

func (sr *snapshotReader) close() { _ = sr.f.Close() }
