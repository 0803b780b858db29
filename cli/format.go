package cli

// formatUsage is the message for a template that cannot be used.
func formatUsage(err error) error {
	return usagef("--format: %v (a Go template over the --json fields, e.g. '{{.url}}?tr=w-800' or '![{{.name}}]({{.url}})')", err)
}
