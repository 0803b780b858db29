//go:build linux && cgo

package pasteboard

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void nap(void) {
	struct timespec ts = {0, 2 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

// waitEvent waits for an event of type on w, out of *ms, the time left
// for the whole reading; 1 when one came.
static int waitEvent(Display *d, Window w, int type, XEvent *ev, int *ms) {
	for (; *ms > 0; *ms -= 2) {
		if (XCheckTypedWindowEvent(d, w, type, ev)) {
			return 1;
		}
		nap();
	}
	return 0;
}

// X errors on the clipboard's own connection (an owner that lists atoms
// that do not exist, say) are passed over, not Xlib's default: exit(1), the
// whole window gone. Others go to whoever handled them before. The handler
// is the process's: it is set for each reading and put back after, the
// connection synced first, so that the window's (GLFW's, which sets and
// puts back its own around its calls) is what it was.
static XErrorHandler previous;
static Display *reading;

static int onError(Display *d, XErrorEvent *e) {
	if (d == reading) {
		return 0;
	}
	return previous ? previous(d, e) : 0;
}

static void catchErrors(Display *d) {
	reading = d;
	previous = XSetErrorHandler(onError);
}

static void closeDisplay(Display *d) {
	XSync(d, False); // its errors, if any, come while onError is the handler
	XCloseDisplay(d);
	XSetErrorHandler(previous);
	reading = NULL;
}

// readSelection asks CLIPBOARD's owner for target and reads it into *out
// (malloc'd), following an INCR transfer. 0 when read; 1 when the owner
// has no such form; 2 when it did not answer in time; 3 when there is no
// owner; 4 when a transfer is over limit bytes.
static int readSelection(Display *d, Window w, const char *name, unsigned char **out, unsigned long *outLen, int *ms, unsigned long limit) {
	Atom clipboard = XInternAtom(d, "CLIPBOARD", False);
	Atom target = XInternAtom(d, name, False);
	Atom prop = XInternAtom(d, "IMAGEKIT_UPLOADER_PASTE", False);
	Atom incr = XInternAtom(d, "INCR", False);
	*out = NULL;
	*outLen = 0;
	if (XGetSelectionOwner(d, clipboard) == None) {
		return 3;
	}
	XDeleteProperty(d, w, prop);
	XConvertSelection(d, clipboard, target, prop, w, CurrentTime);
	XFlush(d);
	XEvent ev;
	if (!waitEvent(d, w, SelectionNotify, &ev, ms)) {
		return 2;
	}
	if (ev.xselection.property == None) {
		return 1;
	}
	Atom type;
	int format;
	unsigned long n, after;
	unsigned char *data = NULL;
	if (XGetWindowProperty(d, w, prop, 0, 0, False, AnyPropertyType, &type, &format, &n, &after, &data) != Success) {
		return 1;
	}
	if (data) XFree(data);
	if (type != incr) {
		if (after > limit) {
			XDeleteProperty(d, w, prop);
			return 4;
		}
		if (XGetWindowProperty(d, w, prop, 0, (after + 3) / 4, True, AnyPropertyType, &type, &format, &n, &after, &data) != Success) {
			return 1;
		}
		unsigned long size = format == 32 ? n * sizeof(long) : n * (format / 8);
		*out = malloc(size + 1);
		memcpy(*out, data, size);
		*outLen = size;
		XFree(data);
		return 0;
	}
	// INCR: deleting the property asks for the first piece; each piece
	// comes as a new value; an empty one ends it. The owner's setting of
	// INCR itself was a new value too: passed over.
	while (XCheckTypedWindowEvent(d, w, PropertyNotify, &ev)) {
	}
	XDeleteProperty(d, w, prop);
	XFlush(d);
	unsigned long cap = 1 << 20, len = 0;
	unsigned char *buf = malloc(cap);
	for (;;) {
		int got = 0;
		while (!got) {
			if (!waitEvent(d, w, PropertyNotify, &ev, ms)) {
				free(buf);
				return 2;
			}
			got = ev.xproperty.atom == prop && ev.xproperty.state == PropertyNewValue;
		}
		if (XGetWindowProperty(d, w, prop, 0, 0x1fffffff, True, AnyPropertyType, &type, &format, &n, &after, &data) != Success) {
			free(buf);
			return 1;
		}
		XFlush(d);
		unsigned long size = format == 32 ? n * sizeof(long) : n * (format / 8);
		if (size == 0) {
			if (data) XFree(data);
			break;
		}
		if (len + size > limit) {
			XFree(data);
			free(buf);
			return 4;
		}
		if (len + size > cap) {
			while (len + size > cap) cap *= 2;
			buf = realloc(buf, cap);
		}
		memcpy(buf + len, data, size);
		len += size;
		XFree(data);
	}
	*out = buf;
	*outLen = len;
	return 0;
}

static Display *openDisplay(Window *w) {
	Display *d = XOpenDisplay(NULL);
	if (!d) {
		return NULL;
	}
	catchErrors(d);
	*w = XCreateSimpleWindow(d, DefaultRootWindow(d), 0, 0, 1, 1, 0, 0, 0);
	XSelectInput(d, *w, PropertyChangeMask);
	return d;
}

static char *atomName(Display *d, unsigned char *atoms, int i) {
	return XGetAtomName(d, ((Atom *)atoms)[i]);
}
*/
import "C"

import (
	"fmt"
	"slices"
	"sync"
	"time"
	"unsafe"
)

// one reads the clipboard at a time (a paste, the endpoint's request): the
// error handler knows one connection.
var one sync.Mutex

// maxRead bounds what a paste reads: a 100-megapixel screenshot's PNG is
// well under it.
const maxRead = 512 << 20

// Read reads what was copied. It must not run on the window's own event
// loop: when this app owns the clipboard, that loop answers the request.
func Read(timeout time.Duration) (Contents, error) {
	one.Lock()
	defer one.Unlock()
	budget := C.int(timeout.Milliseconds()) // for the whole reading, however the owner hands it over
	var w C.Window
	d := C.openDisplay(&w)
	if d == nil {
		return Contents{}, ErrUnavailable
	}
	defer C.closeDisplay(d)
	read := func(target string) ([]byte, error) {
		name := C.CString(target)
		defer C.free(unsafe.Pointer(name))
		var out *C.uchar
		var n C.ulong
		switch r := C.readSelection(d, w, name, &out, &n, &budget, maxRead); r {
		case 0:
			defer C.free(unsafe.Pointer(out))
			if n == 0 {
				return nil, nil
			}
			return C.GoBytes(unsafe.Pointer(out), C.int(n)), nil
		case 1, 3:
			return nil, nil
		case 2:
			return nil, fmt.Errorf("the program that copied %s did not hand it over within %s", target, timeout)
		default:
			return nil, fmt.Errorf("what was copied is over %d MB", maxRead>>20)
		}
	}
	raw, err := read("TARGETS")
	if err != nil || raw == nil {
		return Contents{}, err
	}
	var offered []string
	for i := range len(raw) / int(unsafe.Sizeof(C.Atom(0))) {
		name := C.atomName(d, (*C.uchar)(unsafe.Pointer(&raw[0])), C.int(i))
		if name != nil {
			offered = append(offered, C.GoString(name))
			C.XFree(unsafe.Pointer(name))
		}
	}
	var c Contents
	for _, t := range []string{"text/uri-list", "x-special/gnome-copied-files"} {
		if slices.Contains(offered, t) {
			b, err := read(t)
			if err != nil {
				return c, err
			}
			if c.Files = uriList(b); len(c.Files) > 0 {
				return c, nil
			}
		}
	}
	if slices.Contains(offered, "image/png") {
		if c.Image, err = read("image/png"); err != nil || c.Image != nil {
			return c, err
		}
	}
	for _, t := range []string{"UTF8_STRING", "text/plain;charset=utf-8", "STRING"} {
		if slices.Contains(offered, t) {
			b, err := read(t)
			if err != nil {
				return c, err
			}
			c.Text = string(b)
			return c, nil
		}
	}
	return c, nil
}
