// svcheap fills its heap until the process maps about SIZE MiB, with what a Go service holds
// (sessions with pointers, maps and random tokens, a cache of JSON responses, half-used I/O
// buffers, float series: a heap that compresses like a real one, not zero pages), writes one
// byte to stdout, and panics; with GOTRACEBACK=crash the runtime then dumps core. The byte
// tells tests/bench/crashtime.c when the crash starts. The same seed gives the same heap.
// With READY_FILE, once the heap is full it creates that file and waits for a byte on stdin
// before it crashes: tests/bench/crashloop.sh fills heaps ahead and crashes them on time.
//
//	svcheap SIZE_MIB [READY_FILE]
package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"
)

type Item struct {
	SKU   string
	Qty   int32
	Price float64
}

type Session struct {
	ID       uint64
	User     string
	Email    string
	Created  time.Time
	LastSeen time.Time
	Roles    []string
	Attrs    map[string]string
	Token    [32]byte
	Cart     []Item
	Next     *Session
}

type Record struct {
	ID      uint64            `json:"id"`
	Name    string            `json:"name"`
	Status  string            `json:"status"`
	Score   float64           `json:"score"`
	Tags    []string          `json:"tags"`
	Updated time.Time         `json:"updated"`
	Fields  map[string]string `json:"fields"`
}

var (
	firstNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter"}
	domains    = []string{"example.com", "mail.example.org", "corp.example.net", "users.example.io"}
	roles      = []string{"admin", "editor", "viewer", "billing", "support", "owner"}
	statuses   = []string{"active", "pending", "suspended", "closed", "trial"}
	attrKeys   = []string{"locale", "theme", "tz", "plan", "referrer", "device", "os", "app_version"}
	attrVals   = []string{"en-US", "de-DE", "dark", "light", "Europe/Berlin", "America/New_York", "pro", "free", "ios", "android", "linux", "17.4.1", "2.31.0"}
	headers    = []string{"GET /api/v1/users/%d HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: svc-client/%d.%d\r\nAccept: application/json\r\nX-Request-Id: %016x\r\nAuthorization: Bearer %016x%016x\r\n\r\n"}

	sessions []*Session
	cache    = map[string][]byte{}
	buffers  [][]byte
	series   [][]float64
)

func pick(r *rand.Rand, s []string) string { return s[r.Intn(len(s))] }

func newSession(r *rand.Rand, id uint64, prev *Session) *Session {
	name := pick(r, firstNames) + strconv.Itoa(r.Intn(100000))
	s := &Session{
		ID: id, User: name, Email: name + "@" + pick(r, domains),
		Created:  time.Unix(1700000000+int64(r.Intn(30000000)), 0),
		LastSeen: time.Unix(1730000000+int64(r.Intn(1000000)), int64(r.Intn(1e9))),
		Attrs:    map[string]string{}, Next: prev,
	}
	for i := r.Intn(3); i >= 0; i-- {
		s.Roles = append(s.Roles, pick(r, roles))
	}
	for i := 2 + r.Intn(5); i > 0; i-- {
		s.Attrs[pick(r, attrKeys)] = pick(r, attrVals)
	}
	r.Read(s.Token[:])
	for i := r.Intn(6); i > 0; i-- {
		s.Cart = append(s.Cart, Item{SKU: fmt.Sprintf("SKU-%06d", r.Intn(1000000)), Qty: int32(1 + r.Intn(5)), Price: float64(r.Intn(100000)) / 100})
	}
	return s
}

func newResponse(r *rand.Rand, id uint64) []byte {
	var recs []Record
	for i := 1 + r.Intn(8); i > 0; i-- {
		rec := Record{ID: id*16 + uint64(i), Name: pick(r, firstNames) + " " + pick(r, firstNames), Status: pick(r, statuses),
			Score: r.Float64() * 100, Updated: time.Unix(1730000000+int64(r.Intn(1000000)), 0).UTC(), Fields: map[string]string{}}
		for j := r.Intn(4); j >= 0; j-- {
			rec.Tags = append(rec.Tags, pick(r, roles))
			rec.Fields[pick(r, attrKeys)] = pick(r, attrVals)
		}
		recs = append(recs, rec)
	}
	b, _ := json.Marshal(recs)
	return b
}

func newBuffer(r *rand.Rand) []byte {
	b := make([]byte, 4096<<r.Intn(4))
	n := 0
	for n < len(b)/2 {
		n += copy(b[n:], fmt.Sprintf(headers[0], r.Intn(1e6), 1+r.Intn(3), r.Intn(20), r.Uint64(), r.Uint64(), r.Uint64()))
	}
	return b
}

func newSeries(r *rand.Rand) []float64 {
	s := make([]float64, 1024)
	v := 100.0
	for i := range s {
		v += r.NormFloat64()
		s[i] = float64(int64(v*100)) / 100
	}
	return s
}

func main() {
	mib, _ := strconv.Atoi(os.Args[1])
	debug.SetGCPercent(-1) // no collections while filling; nothing here is garbage anyway
	r := rand.New(rand.NewSource(1))
	var prev *Session
	var ms runtime.MemStats
	for id, target := uint64(0), uint64(mib)<<20; ; id++ {
		if id%4096 == 0 {
			runtime.ReadMemStats(&ms)
			if ms.Sys >= target {
				break
			}
		}
		switch k := id % 10; {
		case k < 4:
			prev = newSession(r, id, prev)
			sessions = append(sessions, prev)
		case k < 7:
			cache["/api/v1/records/"+strconv.FormatUint(id, 10)] = newResponse(r, id)
		case k < 9:
			buffers = append(buffers, newBuffer(r))
		default:
			series = append(series, newSeries(r))
		}
	}
	if len(os.Args) > 2 {
		if err := os.WriteFile(os.Args[2], nil, 0o644); err != nil {
			panic(err)
		}
		os.Stdin.Read(make([]byte, 1))
	}
	os.Stdout.Write([]byte{'!'})
	panic(fmt.Sprintf("svcheap: %d sessions, %d cached responses", len(sessions), len(cache)))
}
