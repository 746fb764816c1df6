package main

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The files under deploy/ stay in step with the binary: the sample production
// config passes check-config, and the unit and image start the server the way
// API.md says.
func TestDeployFiles(t *testing.T) {
	if code, out, errOut := runCLI(t, nil, "check-config", "-config", "deploy/config.production.toml"); code != 0 {
		t.Errorf("deploy/config.production.toml: exit %d\n%s%s", code, out, errOut)
	}
	unit, err := os.ReadFile("deploy/venuebook.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ExecStart=/usr/local/bin/venuebook serve -config /etc/venuebook/config.toml", "NoNewPrivileges=yes",
		"ProtectSystem=strict", "ReadWritePaths=/var/lib/venuebook", "User=venuebook"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("venuebook.service lacks %q", want)
		}
	}
	docker, err := os.ReadFile("deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CGO_ENABLED=0", "FROM scratch", "USER 65532:65532", `CMD ["serve"]`,
		"COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/"} {
		if !strings.Contains(string(docker), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// On a system without CA roots (the FROM scratch image, a bare container) the
// binary still trusts the public CAs, so TLS to a mail provider works: the
// test runs itself again with the system's roots pointed at an empty file and
// an empty directory.
func TestTLSRootsWithoutSystemRoots(t *testing.T) {
	if os.Getenv("VENUEBOOK_TEST_NO_ROOTS") == "1" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			t.Fatalf("SystemCertPool: %v", err)
		}
		found := false
		//lint:ignore SA1019 Subjects lists the fallback roots, which is all this needs
		for _, s := range pool.Subjects() {
			if strings.Contains(string(s), "ISRG Root X1") {
				found = true
			}
		}
		if !found {
			t.Fatal("no public CA roots when the system has none: TLS to a mail relay would fail with 'certificate signed by unknown authority'")
		}
		return
	}
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTLSRootsWithoutSystemRoots$", "-test.count=1")
	cmd.Env = append(os.Environ(), "VENUEBOOK_TEST_NO_ROOTS=1", "SSL_CERT_FILE="+empty, "SSL_CERT_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("without system roots: %v\n%s", err, out)
	}
}
