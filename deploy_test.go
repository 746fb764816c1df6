package main

import (
	"os"
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
	for _, want := range []string{"CGO_ENABLED=0", "FROM scratch", "USER 65532:65532", `CMD ["serve"]`} {
		if !strings.Contains(string(docker), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
