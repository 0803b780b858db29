package emulator

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path"
	"strings"
	"unicode"

	"imagekit-uploader/signer"
)

// The upload fields ImageKit's v2 API knows; any other field is refused.
var knownFields = map[string]bool{
	"fileName": true, "useUniqueFileName": true, "tags": true, "folder": true,
	"isPrivateFile": true, "isPublished": true, "overwriteFile": true,
	"overwriteAITags": true, "overwriteTags": true, "overwriteCustomMetadata": true,
	"customCoordinates": true, "responseFields": true, "customMetadata": true,
	"extensions": true, "transformation": true, "checks": true,
	"webhookUrl": true, "description": true,
}

var boolFields = []string{"useUniqueFileName", "isPrivateFile", "isPublished", "overwriteFile",
	"overwriteAITags", "overwriteTags", "overwriteCustomMetadata"}

const (
	maxTagsLen     = 500
	maxFolderDepth = 50
	maxVersions    = 100
)

// sanitizeName does what ImageKit does to a file name: letters (Unicode too),
// digits, '.' and '-' stay, anything else becomes '_'.
func sanitizeName(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, name)
}

// cleanFolder checks a folder field and returns it as "/a/b" ("/" for the root).
func cleanFolder(folder string) (string, error) {
	var parts []string
	for p := range strings.SplitSeq(folder, "/") {
		if p == "" {
			continue
		}
		for _, r := range p {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || r == '-') {
				return "", fmt.Errorf("folder %q contains %q: a folder may hold letters, digits, '/', '_' and '-' only", folder, r)
			}
		}
		parts = append(parts, p)
	}
	if len(parts) > maxFolderDepth {
		return "", fmt.Errorf("folder %q is %d levels deep; at most %d are allowed", folder, len(parts), maxFolderDepth)
	}
	return "/" + strings.Join(parts, "/"), nil
}

func checkTags(tags string) error {
	switch {
	case len(tags) > maxTagsLen:
		return fmt.Errorf("tags are %d characters long; at most %d are allowed", len(tags), maxTagsLen)
	case strings.Contains(tags, "%"):
		return errors.New("tags must not contain '%'")
	}
	return nil
}

// splitTags turns "a, b,,c" into [a b c]; nil for none, as ImageKit answers.
func splitTags(tags string) []string {
	var out []string
	for t := range strings.SplitSeq(tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// accept applies ImageKit's rules and stores the file.
//
// A request is authenticated by its token (a client-side upload, the fields
// signed) or, with no token, by one of the server's private keys as the
// Basic user name (a server-side upload, as ImageKit's SDKs make by
// default; the password is ignored, as ImageKit ignores it).
func (s *Server) accept(ctx context.Context, in *incoming, reused bool) (*signer.Claims, *Result, error) {
	var claims *signer.Claims
	switch {
	case in.hasToken && in.token != "":
		if reused {
			return nil, nil, badRequest("This token has been used before. Every upload request, retries included, needs a new token.")
		}
		var err error
		claims, err = s.verifier.Verify(in.token)
		var ve *signer.VerifyError
		switch {
		case errors.Is(err, signer.ErrUnknownKey):
			return nil, nil, &apiError{status: http.StatusUnauthorized, message: "Your account cannot be authenticated: the public key in the token is not valid.",
				help: "Check the public key in the ImageKit dashboard's Developer options."}
		case errors.As(err, &ve) && strings.Contains(ve.Reason, "signature"):
			return nil, nil, &apiError{status: http.StatusForbidden, message: "Your request's token could not be authenticated: it was not signed with this account's private key.",
				help: "Check that the private key matches the public key."}
		case err != nil:
			return nil, nil, badRequest("Invalid token: %v.", err)
		}
		if err := matchClaims(in.fields, claims.Fields); err != nil {
			return claims, nil, err
		}
	case in.serverKey:
	case in.basicAuth:
		return nil, nil, &apiError{status: http.StatusUnauthorized, message: "Your account cannot be authenticated: the private key given (the Basic user name) is not valid.",
			help: "Check the private key in the ImageKit dashboard's Developer options."}
	default:
		return nil, nil, badRequest("Your request does not contain a token or a private key. A client-side upload needs a signed token field; a server-side one, the private key as the Basic user name.")
	}
	for k := range in.fields {
		if !knownFields[k] {
			return claims, nil, badRequest("Unknown parameter %s.", k)
		}
	}
	for _, k := range boolFields {
		if v, ok := in.fields[k]; ok && v != "true" && v != "false" {
			return claims, nil, badRequest("%s must be true or false, not %q.", k, v)
		}
	}
	if !in.hasFile {
		return claims, nil, badRequest("Missing file parameter for upload.")
	}

	name := in.fields["fileName"]
	if name == "" {
		return claims, nil, badRequest("Missing fileName parameter for upload.")
	}
	// Dots survive ImageKit's renaming, and "." or ".." joined to the folder
	// would name the folder itself or its parent: a new version of a file
	// elsewhere. Refused, as the uploader's own pre-check refuses them,
	// rather than stored under a name the sender never chose (such as "_").
	if name == "." || name == ".." {
		return claims, nil, badRequest("Invalid fileName %q: it names a folder, not a file.", name)
	}
	if err := checkTags(in.fields["tags"]); err != nil {
		return claims, nil, badRequest("%v.", err)
	}
	folder, err := cleanFolder(in.fields["folder"])
	if err != nil {
		return claims, nil, badRequest("%v.", err)
	}
	opts, err := readOptions(in.fields)
	if err != nil {
		return claims, nil, err
	}
	if in.fileURL != "" { // fetched only for a request that is otherwise right
		err := s.fetch(ctx, in)
		if in.blob != "" {
			defer os.Remove(in.blob) // a no-op once the blob was placed
		}
		if err != nil {
			return claims, nil, err
		}
	}
	if in.tooBig {
		return claims, nil, &apiError{status: http.StatusRequestEntityTooLarge,
			message: fmt.Sprintf("The file is %s bytes; this account accepts files up to %d bytes.", sizeSaid(in), s.cfg.maxFileSize),
			help:    "Upgrade the plan or upload a smaller file."}
	}
	if in.size == 0 {
		return claims, nil, badRequest("The file is empty.")
	}
	if expr, ok := in.fields["checks"]; ok {
		subj := &checkSubject{fileName: name, folder: folder, tags: splitTags(in.fields["tags"]), size: in.size,
			mime: sniffMime(in.blob, in.contentType), blob: in.blob}
		pass, err := evalChecks(expr, subj)
		if err != nil {
			return claims, nil, badRequest("%s %s: %v.", checksSyntax, expr, err)
		}
		if !pass {
			return claims, nil, &apiError{status: http.StatusBadRequest,
				message: fmt.Sprintf("The file did not pass the upload checks: %s.", expr),
				help:    "The checks were sent with the upload; nothing was stored."}
		}
	}
	name = sanitizeName(name)
	unique := in.fields["useUniqueFileName"] != "false"
	mode := placeVersion
	switch {
	case unique:
		mode = placeNew
	case in.fields["overwriteFile"] == "false":
		mode = placeNoReplace
	}
	v := Version{Size: in.size, SHA256: in.sha, ContentType: in.contentType, Created: s.now()}
	private := in.fields["isPrivateFile"] == "true"
	status, aiTags := runExtensions(opts.extensions, in.sha)
	meta := fileMeta{Tags: splitTags(in.fields["tags"]), AITags: aiTags, CustomMetadata: opts.customMetadata,
		Coordinates: in.fields["customCoordinates"], Description: in.fields["description"]}
	k := keep{tags: in.fields["overwriteTags"] == "false", aiTags: in.fields["overwriteAITags"] == "false",
		customMetadata: in.fields["overwriteCustomMetadata"] == "false"}
	for try := 0; ; try++ {
		final := name
		if unique {
			final = withSuffix(name)
		}
		p := path.Join(folder, final)
		f, ver, err := s.store.place(p, in.blob, v, mode, private, meta, k)
		var pe *placeError
		if errors.As(err, &pe) && mode == placeNew && try < 3 {
			continue
		}
		if errors.As(err, &pe) {
			return claims, nil, badRequest("%s", pe.msg)
		}
		if err != nil {
			return claims, nil, &apiError{status: http.StatusInternalServerError, message: "The server could not store the file."}
		}
		return claims, &Result{
			FileID: f.FileID, Name: final, FilePath: p, Size: ver.Size,
			URL: s.URL + "/files" + p, ThumbnailURL: s.URL + "/thumbnails" + p,
			VersionID: ver.ID, VersionName: ver.Name,
			meta: f.fileMeta, extensions: status, options: opts,
		}, nil
	}
}

// sizeSaid is a too large file's size, or what is known of it: a download
// stops just past the limit.
func sizeSaid(in *incoming) string {
	if in.limitSeen > 0 && in.size == in.limitSeen+1 {
		return fmt.Sprintf("more than %d", in.limitSeen)
	}
	return fmt.Sprint(in.size)
}

const suffixChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// withSuffix adds ImageKit's random suffix before the extension: a.jpg -> a_Xy12AbCd9.jpg.
func withSuffix(name string) string {
	ext := path.Ext(name)
	if ext == name {
		ext = ""
	}
	var b [10]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = suffixChars[int(b[i])%len(suffixChars)]
	}
	return strings.TrimSuffix(name, ext) + "_" + string(b[:]) + ext
}
