// Command layoutdump prints what the DWARF of a Go executable says about the runtime
// structures gocrashd reads from cores, so that tests/unit/test-golayout.c can check the
// offset tables of lib/golayout.c against the real thing.
//
// Usage: layoutdump EXECUTABLE
//
// Output, one fact per line:
//
//	runtime.g.sched.sp 56           field offset from the start of the outer struct
//	runtime.debug.tracebacklabels 136
//	                                field offset in a global variable of an unnamed
//	                                struct type
//	sizeof(runtime.g) 440           struct size
//	runtime.waitReasonStrings[14] chan receive
//	                                array entry read from the executable's data
//	runtime.sigtable[11] SIGSEGV: segmentation violation
//	                                the name field of a struct array's entry
//	const runtime.waitReasonSleep 19
//	                                an integer constant, when the compiler recorded it
//	abi.FuncIDWrapper 23            the funcID of compiler-generated wrappers, under one
//	                                name (internal/abi.FuncIDWrapper from 1.21,
//	                                runtime.funcID_wrapper before)
//
// Nested structs are flattened (g.sched.sp); pointers and arrays are not followed.
package main

import (
	"debug/dwarf"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

var structs = []string{
	"runtime.g", "runtime.m", "runtime._panic", "runtime.gobuf", "runtime.stack",
	"runtime.moduledata",
}

// Structs of some releases only: 1.24's synctestGroup became 1.25's synctestBubble.
var optionalStructs = []string{"runtime.synctestGroup", "runtime.synctestBubble"}

// Global variables whose type is an unnamed struct: their fields are printed under the
// variable's name.
var structVars = []string{"runtime.debug"}

// Arrays of strings, or of structs with a string field "name" (runtime.sigtable).
var stringArrays = []string{"runtime.waitReasonStrings", "runtime.gStatusStrings", "runtime.sigtable"}

// Integer constants whose names start with these prefixes are printed.
var constPrefixes = []string{"runtime.waitReason", "runtime._G"}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: layoutdump EXECUTABLE")
		os.Exit(2)
	}
	if err := dump(os.Stdout, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "layoutdump:", err)
		os.Exit(1)
	}
}

func dump(w io.Writer, path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		return err
	}
	found := map[string]bool{}
	var consts []string
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return err
		}
		if e == nil {
			break
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		switch e.Tag {
		case dwarf.TagStructType:
			if !(wanted(structs, name) || wanted(optionalStructs, name)) || found[name] {
				continue
			}
			found[name] = true
			t, err := d.Type(e.Offset)
			if err != nil {
				return err
			}
			st, ok := t.(*dwarf.StructType)
			if !ok {
				return fmt.Errorf("%s: not a struct", name)
			}
			fmt.Fprintf(w, "sizeof(%s) %d\n", name, st.ByteSize)
			printFields(w, name, st, 0, 0)
		case dwarf.TagVariable:
			if found[name] {
				continue
			}
			if wanted(structVars, name) {
				found[name] = true
				if err := printStructVar(w, d, e, name); err != nil {
					return err
				}
			}
			if !wanted(stringArrays, name) {
				continue
			}
			found[name] = true
			if err := printStringArray(w, f, d, e, name); err != nil {
				return err
			}
		case dwarf.TagConstant:
			v, ok := e.Val(dwarf.AttrConstValue).(int64)
			if ok && hasPrefix(name) {
				consts = append(consts, fmt.Sprintf("const %s %d", name, v))
			}
			if ok && (name == "internal/abi.FuncIDWrapper" || name == "runtime.funcID_wrapper") {
				consts = append(consts, fmt.Sprintf("abi.FuncIDWrapper %d", v))
			}
		}
		if e.Tag != dwarf.TagCompileUnit {
			r.SkipChildren()
		}
	}
	sort.Strings(consts)
	for _, c := range consts {
		fmt.Fprintln(w, c)
	}
	for _, s := range append(append(append([]string{}, structs...), stringArrays...), structVars...) {
		if !found[s] {
			return fmt.Errorf("%s not in the DWARF", s)
		}
	}
	return nil
}

func wanted(list []string, name string) bool {
	for _, s := range list {
		if s == name {
			return true
		}
	}
	return false
}

func hasPrefix(name string) bool {
	for _, p := range constPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func underlying(t dwarf.Type) dwarf.Type {
	for {
		td, ok := t.(*dwarf.TypedefType)
		if !ok {
			return t
		}
		t = td.Type
	}
}

func printFields(w io.Writer, prefix string, st *dwarf.StructType, base int64, depth int) {
	for _, fld := range st.Field {
		name := prefix + "." + fld.Name
		off := base + fld.ByteOffset
		fmt.Fprintf(w, "%s %d\n", name, off)
		if inner, ok := underlying(fld.Type).(*dwarf.StructType); ok && depth < 8 {
			printFields(w, name, inner, off, depth+1)
		}
	}
}

// printStructVar prints the fields of a global variable of struct type.
func printStructVar(w io.Writer, d *dwarf.Data, e *dwarf.Entry, name string) error {
	off, ok := e.Val(dwarf.AttrType).(dwarf.Offset)
	if !ok {
		return fmt.Errorf("%s: no type", name)
	}
	t, err := d.Type(off)
	if err != nil {
		return err
	}
	st, ok := underlying(t).(*dwarf.StructType)
	if !ok {
		return fmt.Errorf("%s: not a struct", name)
	}
	printFields(w, name, st, 0, 0)
	return nil
}

// printStringArray prints the entries of a global [N]string initialised at link time, or
// the name fields of a global [N]struct{...; name string}.
func printStringArray(w io.Writer, f *elf.File, d *dwarf.Data, e *dwarf.Entry, name string) error {
	loc, ok := e.Val(dwarf.AttrLocation).([]byte)
	if !ok || len(loc) != 9 || loc[0] != 0x03 { // DW_OP_addr, 8-byte address
		return fmt.Errorf("%s: unexpected location", name)
	}
	addr := binary.LittleEndian.Uint64(loc[1:])
	t, err := d.Type(e.Val(dwarf.AttrType).(dwarf.Offset))
	if err != nil {
		return err
	}
	at, ok := underlying(t).(*dwarf.ArrayType)
	if !ok || at.Count < 0 {
		return fmt.Errorf("%s: not an array", name)
	}
	stride, off := at.Type.Size(), int64(0)
	if st, ok := underlying(at.Type).(*dwarf.StructType); ok && st.StructName != "string" {
		off = -1
		for _, fld := range st.Field {
			if fld.Name == "name" {
				off = fld.ByteOffset
			}
		}
		if off < 0 {
			return fmt.Errorf("%s: no name field", name)
		}
	}
	table, err := readAt(f, addr, uint64(at.Count*stride))
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	for i := int64(0); i < at.Count; i++ {
		ptr := binary.LittleEndian.Uint64(table[stride*i+off:])
		n := binary.LittleEndian.Uint64(table[stride*i+off+8:])
		var s []byte
		if n > 0 {
			if s, err = readAt(f, ptr, n); err != nil {
				return fmt.Errorf("%s[%d]: %v", name, i, err)
			}
		}
		fmt.Fprintf(w, "%s[%d] %s\n", name, i, s)
	}
	return nil
}

func readAt(f *elf.File, addr, size uint64) ([]byte, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || addr+size > p.Vaddr+p.Filesz {
			continue
		}
		buf := make([]byte, size)
		if _, err := p.ReadAt(buf, int64(addr-p.Vaddr)); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return nil, fmt.Errorf("address %#x not in the file", addr)
}
