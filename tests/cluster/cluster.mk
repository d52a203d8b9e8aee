# Local two-node Kubernetes + NFS test bed (see tests/cluster/README.md).
# Included from the top-level Makefile; paths are relative to the repository root.
TESTBED_BIN ?= tests/cluster/bin
# NODES=1 (make cluster-up NODES=1, or in the environment) runs node 1 only
NODES ?= 2

.PHONY: cluster-up cluster-down cluster-purge cluster-status cluster-logs cluster-check cluster-build

cluster-up:        ## start (or verify) the test bed, NODES=2 nodes (or 1); prints export KUBECONFIG=...
	NODES=$(NODES) $(TESTBED_BIN)/cluster-up

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
