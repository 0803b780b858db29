package uploader

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// measureSkew compares the server's Date with our clock. When they differ
// enough to break tokens, it corrects the token source's clock and says so once.
func (c *Client) measureSkew(resp *http.Response, start, bodyDone time.Time) {
	cc, ok := c.Tokens.(clockCorrectable)
	if !ok {
		return
	}
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return
	}
	// The server stamped its Date between the body's end (or, for an early
	// answer, the request's start) and now. Only a quick answer pins that
	// moment down: after a long upload or a slow answer it could be minutes
	// off, so such an answer measures nothing.
	from := bodyDone
	if from.IsZero() {
		from = start
	}
	wait := time.Since(from)
	if wait > quickAnswer {
		return
	}
	local := from.Add(wait / 2)
	offset := date.Sub(local).Round(time.Second)
	if offset.Abs() < maxSkew {
		if cc.ClockOffset() != 0 && offset.Abs() < time.Second {
			cc.SetClockOffset(0)
		}
		return
	}
	if (offset - cc.ClockOffset()).Abs() < maxSkew {
		return
	}
	cc.SetClockOffset(offset)
	c.skewOnce.Do(func() {
		if c.Notice != nil {
			way := "behind"
			if offset < 0 {
				way = "ahead of"
			}
			c.Notice(fmt.Sprintf("This computer's clock is about %s %s the upload server's; tokens are corrected for it. Setting the clock automatically is better.", aboutDuration(offset.Abs()), way))
		}
	})
}

// clockJustCorrected says whether err is a token-time refusal that a clock
// correction made after it can cure.
func (c *Client) clockJustCorrected(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		return false
	}
	cc, ok := c.Tokens.(clockCorrectable)
	if !ok || cc.ClockOffset() == 0 {
		return false
	}
	m := strings.ToLower(ae.Message)
	return strings.Contains(m, "expired") || strings.Contains(m, "future") || strings.Contains(m, "iat") || strings.Contains(m, "clock")
}
