"""The live path: call audio streamed from a recorder, turned into alerts while the call is on."""
