#!/bin/sh
# One-shot (compose service backup-tls-init): a self-signed certificate for minio-tls, made once.
set -eu
if [ ! -s /tls/minio-tls.crt ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=minio-tls \
    -addext subjectAltName=DNS:minio-tls -keyout /tls/minio-tls.key -out /tls/minio-tls.crt
fi
chmod 644 /tls/minio-tls.crt /tls/minio-tls.key
