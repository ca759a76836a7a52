# packaging: the RPM for XCP-ng 8.3, from xcp-rrdd-vcpustats.spec and the
# systemd files here (the unit, the preset that enables it in place of
# xcp-rrdd-cpu, the toolstack.target drop-in).
#
#   make srpm   $(BUILD)/rpm/SRPMS/*.src.rpm, and $(BUILD)/rpm/{SPECS,SOURCES}:
#               the tree xcp-ng-build-env builds from
#   make rpm    the binary RPMs, built on this machine
#
# The tarball is the committed tree (scripts/make-tarball): commit first.
# BuildRequires name XCP-ng 8.3 packages, so rpmbuild runs with --nodeps
# here, and without this make's variables (BUILD=...).  RPM_CHECK=0 skips %check; RPMBUILD_OPTS passes more options
# (e.g. "--without openmetrics").
RPM_SPEC := xcp-rrdd-vcpustats.spec
RPM_VERSION := $(shell sed -n 's/^Version:[[:space:]]*//p' $(RPM_SPEC) 2>/dev/null)
RPM_TOP := $(abspath $(BUILD)/rpm)
RPM_TARBALL := $(RPM_TOP)/SOURCES/xcp-rrdd-vcpustats-$(RPM_VERSION).tar.gz
RPMBUILD ?= rpmbuild
RPM_CHECK ?= 1
RPMBUILD_OPTS ?=
RPMBUILD_RUN = env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $(RPMBUILD) --nodeps --define "_topdir $(RPM_TOP)" \
               $(if $(filter 0,$(RPM_CHECK)),--nocheck) $(RPMBUILD_OPTS)

.PHONY: rpm-sources srpm
rpm-sources:
	@mkdir -p $(RPM_TOP)/SOURCES $(RPM_TOP)/SPECS
	scripts/make-tarball $(RPM_VERSION) $(RPM_TARBALL)
	cp $(RPM_SPEC) $(RPM_TOP)/SPECS/

srpm: rpm-sources
	$(RPMBUILD_RUN) -bs $(RPM_TOP)/SPECS/$(RPM_SPEC)
	@ls $(RPM_TOP)/SRPMS/xcp-rrdd-vcpustats-$(RPM_VERSION)-*.src.rpm

rpm: rpm-sources
	$(RPMBUILD_RUN) -bb $(RPM_TOP)/SPECS/$(RPM_SPEC)
	@ls $(RPM_TOP)/RPMS/*/xcp-rrdd-vcpustats-*$(RPM_VERSION)-*.rpm
