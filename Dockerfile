# The command line without the window, for servers: the token endpoint
# (token-server, the default) and the emulator. A static binary on a
# distroless base: CA certificates, a non-root user, no shell.
#   docker build -t imagekit-uploader .
#   docker run --rm imagekit-uploader --version
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -tags nogui -ldflags "-s -w" -o /out/imagekit-uploader .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/imagekit-uploader /usr/local/bin/imagekit-uploader
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/imagekit-uploader"]
CMD ["token-server", "--listen", "0.0.0.0:8080"]
