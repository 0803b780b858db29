module imagekit-uploader

go 1.26.8

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/zalando/go-keyring v0.2.8
	golang.org/x/term v0.48.0
)

require (
	github.com/danieljoos/wincred v1.2.3 // indirect
	github.com/godbus/dbus/v5 v5.2.2 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
