// A clipboard owner that misbehaves, for pasteboard's tests: it lists a
// target atom that does not exist, and hands image/png over by INCR one
// byte every 4 seconds, forever.
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
	Display *d = XOpenDisplay(NULL);
	if (!d) {
		return 1;
	}
	Window w = XCreateSimpleWindow(d, DefaultRootWindow(d), 0, 0, 1, 1, 0, 0, 0);
	Atom clipboard = XInternAtom(d, "CLIPBOARD", False), targets = XInternAtom(d, "TARGETS", False);
	Atom png = XInternAtom(d, "image/png", False), incr = XInternAtom(d, "INCR", False);
	XSetSelectionOwner(d, clipboard, w, CurrentTime);
	XFlush(d);
	printf("ready\n");
	fflush(stdout);
	Window to = 0;
	Atom prop = 0;
	for (;;) {
		XEvent ev;
		XNextEvent(d, &ev);
		if (ev.type == SelectionRequest) {
			XSelectionRequestEvent *r = &ev.xselectionrequest;
			XEvent n;
			memset(&n, 0, sizeof n);
			n.xselection.type = SelectionNotify;
			n.xselection.requestor = r->requestor;
			n.xselection.selection = r->selection;
			n.xselection.target = r->target;
			n.xselection.property = r->property;
			n.xselection.time = r->time;
			if (r->target == targets) {
				Atom list[3] = {targets, png, (Atom)0x7ffffff0};
				XChangeProperty(d, r->requestor, r->property, XA_ATOM, 32, PropModeReplace, (unsigned char *)list, 3);
			} else if (r->target == png) {
				long size = 1000;
				XSelectInput(d, r->requestor, PropertyChangeMask);
				XChangeProperty(d, r->requestor, r->property, incr, 32, PropModeReplace, (unsigned char *)&size, 1);
				to = r->requestor;
				prop = r->property;
			} else {
				n.xselection.property = None;
			}
			XSendEvent(d, r->requestor, False, 0, &n);
			XFlush(d);
		} else if (ev.type == PropertyNotify && ev.xproperty.window == to && ev.xproperty.atom == prop &&
			   ev.xproperty.state == PropertyDelete) {
			sleep(4);
			unsigned char b = 'x';
			XChangeProperty(d, to, prop, png, 8, PropModeReplace, &b, 1);
			XFlush(d);
		}
	}
}
