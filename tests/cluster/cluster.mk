# Local single-node Kubernetes + NFS test bed (see tests/cluster/README.md).
# Included from the top-level Makefile; paths are relative to the repository root.
TESTBED_BIN ?= tests/cluster/bin

.PHONY: cluster-up cluster-down cluster-purge cluster-status cluster-logs cluster-check cluster-build

cluster-up:        ## start (or verify) the test bed; prints export KUBECONFIG=...
	$(TESTBED_BIN)/cluster-up

cluster-down:      ## stop everything the test bed started; keeps caches, certs and etcd data
	$(TESTBED_BIN)/cluster-down

cluster-purge:     ## cluster-down and remove all runtime state and NFS data (keeps the build cache)
	$(TESTBED_BIN)/cluster-down --purge

cluster-status:    ## components, node, exports
	$(TESTBED_BIN)/cluster-status

cluster-logs:      ## tail of each component's log (LINES=n)
	$(TESTBED_BIN)/cluster-logs $(or $(LINES),25)

cluster-check:     ## full readiness proof against a running test bed
	$(TESTBED_BIN)/cluster-check

cluster-build:     ## build/cache the Kubernetes binaries and CoreDNS only
	$(TESTBED_BIN)/cluster-build
