#!/usr/bin/env node
import "../dist/bin/ringkv-node.js";
