// An independent check of deconflict's checkpoints with Go's
// golang.org/x/mod/sumdb/note (signed notes) and sumdb/tlog (RFC 6962/9162
// inclusion), from Debian's golang-golang-x-mod-dev, and of a party's
// cosignature (C2SP tlog-cosignature) with Go's crypto/ed25519.
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go run checkpoint_peer.go \
//	  VKEY NOTE_FILE ENTRY_HASH_HEX SEQ PROOF_HEX,... [COSIGNER PUBLIC_HEX]
//
// Prints "ok: ..." and exits 0, or names what fails and exits 1.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Printf("fail: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 6 && len(os.Args) != 8 {
		fail("usage: VKEY NOTE_FILE ENTRY_HASH SEQ PROOF [COSIGNER PUBLIC_HEX]")
	}
	verifier, err := note.NewVerifier(os.Args[1])
	if err != nil {
		fail("verifier key: %v", err)
	}
	msg, err := os.ReadFile(os.Args[2])
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("the checkpoint has fewer than three lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("size: %v", err)
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		fail("root: %v", err)
	}
	var root tlog.Hash
	copy(root[:], rootBytes)

	entryHash, err := hex.DecodeString(os.Args[3])
	if err != nil {
		fail("entry hash: %v", err)
	}
	seq, err := strconv.ParseInt(os.Args[4], 10, 64)
	if err != nil {
		fail("seq: %v", err)
	}
	var proof tlog.RecordProof
	for _, h := range strings.Split(os.Args[5], ",") {
		if h == "" {
			continue
		}
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != tlog.HashSize {
			fail("proof hash %q", h)
		}
		var d tlog.Hash
		copy(d[:], b)
		proof = append(proof, d)
	}
	// A leaf is SHA-256(0x00 || entry hash): tlog's RecordHash of the entry hash.
	if err := tlog.CheckRecord(proof, size, root, seq-1, tlog.RecordHash(entryHash)); err != nil {
		fail("tlog.CheckRecord: %v", err)
	}
	said := fmt.Sprintf("ok: %s signed by %s; entry %d included in size %d", lines[0], verifier.Name(), seq, size)

	if len(os.Args) == 8 {
		name := os.Args[6]
		pub, err := hex.DecodeString(os.Args[7])
		if err != nil || len(pub) != ed25519.PublicKeySize {
			fail("cosigner key")
		}
		h := sha256.Sum256(append([]byte(name+"\n\x04"), pub...))
		found := false
		for _, sig := range n.UnverifiedSigs {
			raw, err := base64.StdEncoding.DecodeString(sig.Base64)
			if sig.Name != name || err != nil || len(raw) != 4+8+64 || !bytes.Equal(raw[:4], h[:4]) {
				continue
			}
			t := binary.BigEndian.Uint64(raw[4:12])
			signed := fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, n.Text)
			if !ed25519.Verify(pub, []byte(signed), raw[12:]) {
				fail("the cosignature by %s does not verify", name)
			}
			found = true
		}
		if !found {
			fail("no cosignature by %s", name)
		}
		said += "; cosigned by " + name
	}
	fmt.Println(said)
}
