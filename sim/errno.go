package sim

import (
	"reflect"
	"strconv"
)

// Errno is a kernel error number, positive (ENOENT, not -ENOENT). Model
// functions that return "int" in C return a plain int with the kernel's
// sign convention (-ENOENT); Errno is the type of the constants.
type Errno int

// The error numbers the models use, with Linux's values.
const (
	EPERM        Errno = 1
	ENOENT       Errno = 2
	ESRCH        Errno = 3
	EINTR        Errno = 4
	EIO          Errno = 5
	ENXIO        Errno = 6
	EBADF        Errno = 9
	EACCES       Errno = 13
	EAGAIN       Errno = 11
	ENOMEM       Errno = 12
	EBUSY        Errno = 16
	EEXIST       Errno = 17
	EXDEV        Errno = 18
	ETXTBSY      Errno = 26
	ENOTDIR      Errno = 20
	EISDIR       Errno = 21
	EINVAL       Errno = 22
	ENOSPC       Errno = 28
	EMLINK       Errno = 31
	ENAMETOOLONG Errno = 36
	ENOTEMPTY    Errno = 39
	ELOOP        Errno = 40
	EWOULDBLOCK  Errno = EAGAIN
	ESTALE       Errno = 116
	ECHILD       Errno = 10
	EOPENSTALE   Errno = 518
)

var errnoNames = map[Errno]string{
	EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO", ENXIO: "ENXIO", EBADF: "EBADF", EACCES: "EACCES",
	EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EBUSY: "EBUSY", EEXIST: "EEXIST",
	EXDEV: "EXDEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL",
	ENOSPC: "ENOSPC", EMLINK: "EMLINK", ENAMETOOLONG: "ENAMETOOLONG",
	ENOTEMPTY: "ENOTEMPTY", ELOOP: "ELOOP", ESTALE: "ESTALE", ECHILD: "ECHILD",
	EOPENSTALE: "EOPENSTALE", ETXTBSY: "ETXTBSY",
}

func (e Errno) String() string {
	if e < 0 {
		return "-" + (-e).String()
	}
	if n, ok := errnoNames[e]; ok {
		return "-" + n
	}
	return "-E" + strconv.Itoa(int(e))
}

// ErrnoString formats a kernel-style return value: 0, a count, or -ENOENT.
func ErrnoString(ret int) string {
	if ret < 0 {
		return Errno(-ret).String()
	}
	return strconv.Itoa(ret)
}

// ErrPtr returns an ERR_PTR(-errno) of type *T: a pointer the caller can
// test with IsErr and decode with PtrErr, and that the runtime reports as
// an oops when model code touches it, as the kernel would fault on it.
//
// Divergence: the kernel encodes the error in the pointer value; here each
// call returns a fresh sentinel object, so pointer equality between two
// ERR_PTRs is not meaningful (the kernel's code never relies on it).
func ErrPtr[T any, P interface {
	*T
	Objectish
}](e Errno) P {
	if e < 0 {
		e = -e
	}
	p := P(new(T))
	p.Obj().errno = e
	return p
}

// IsErr is IS_ERR: p is an ERR_PTR sentinel.
func IsErr[P Objectish](p P) bool {
	o := objOf(p)
	return o != nil && o.errno != 0
}

// IsErrOrNull is IS_ERR_OR_NULL.
func IsErrOrNull[P Objectish](p P) bool {
	o := objOf(p)
	return o == nil || o.errno != 0
}

// PtrErr is PTR_ERR: the negative error code of an ERR_PTR (0 otherwise).
func PtrErr[P Objectish](p P) int {
	o := objOf(p)
	if o == nil {
		return 0
	}
	return -int(o.errno)
}

// ErrCast is ERR_CAST: the same error as another pointer type.
func ErrCast[T any, Q interface {
	*T
	Objectish
}, P Objectish](p P) Q {
	return ErrPtr[T, Q](Errno(-PtrErr(p)))
}

// objOf returns p's Object, or nil for a nil pointer (typed or not).
func objOf[P Objectish](p P) *Object {
	if isNil(p) {
		return nil
	}
	return p.Obj()
}

// IsNil reports whether an Objectish holds a nil pointer.
func IsNil[P Objectish](p P) bool { return isNil(p) }

func isNil(p Objectish) bool {
	if p == nil {
		return true
	}
	v := reflect.ValueOf(p)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
