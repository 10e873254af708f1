// Prints the polygon of "N. Cyprus", and those of the UN buffer zone and the Dhekelia base along it, from world-atlas's countries-10m.json (Natural Earth 1:10m
// Admin 0 countries, de facto boundaries: the Green Line, not the buffer zone) as JSON: a list of
// polygons, each a list of rings of [lng, lat]. build.py uses it to give the places of the Turkish
// Republic of Northern Cyprus their own country (see data/README.md).
//
//   node northern_cyprus.js NODE_MODULES > n-cyprus.json
"use strict";
const path = require("path");
const modules = path.resolve(process.argv[2] || "node_modules");
const { feature } = require(path.join(modules, "topojson-client"));
const topology = require(path.join(modules, "world-atlas", "countries-10m.json"));
const fc = feature(topology, topology.objects.countries);
function polygonsOf(name) {
  const hits = fc.features.filter((f) => f.properties && f.properties.name === name);
  if (hits.length !== 1) throw new Error(`expected one "${name}" feature, found ${hits.length}`);
  const g = hits[0].geometry;
  if (g.type === "Polygon") return [g.coordinates];
  if (g.type === "MultiPolygon") return g.coordinates;
  throw new Error(`unexpected geometry ${g.type}`);
}
const version = require(path.join(modules, "world-atlas", "package.json")).version;
process.stdout.write(JSON.stringify({
  source: `world-atlas ${version} countries-10m.json`,
  polygons: polygonsOf("N. Cyprus"),
  line: [...polygonsOf("Cyprus U.N. Buffer Zone"), ...polygonsOf("Dhekelia")],
}) + "\n");
