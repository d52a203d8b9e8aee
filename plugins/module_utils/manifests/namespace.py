# -*- coding: utf-8 -*-
# Copyright: stateful.nfs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Namespace manifest, built from the options of stateful.nfs.namespace. Pure: options in, dict out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def build_namespace(params):
    """A Namespace stating only what the user asked for: name, labels and annotations.

    Labels and annotations that others set are not part of it, so server-side apply keeps them.
    """
    metadata = {"name": params["name"]}
    if params.get("labels"):
        metadata["labels"] = dict((str(k), str(v)) for k, v in params["labels"].items())
    if params.get("annotations"):
        metadata["annotations"] = dict((str(k), str(v)) for k, v in params["annotations"].items())
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": metadata}
