// Build data/world/countries-110m.tsv: one SVG path per country of world-atlas's
// countries-110m.json (Natural Earth 1:110m), in an equirectangular projection
// on a 1000 x 500 canvas.
//
// world-atlas 2 stores spherical polygons: Russia's Chukotka, Fiji and Antarctica
// run across the 180th meridian. topojson-client's feature() gives the GeoJSON
// polygons; d3-geo's equirectangular projection (resampling off) cuts them at the
// antimeridian and closes Antarctica along the bottom edge, so that each ring is a
// plain polygon on the flat map. Without the cut those rings draw bands across
// the whole map.
//
//   scripts/reference-data/world-map.sh            (installs the pinned packages, runs this)
//   node scripts/reference-data/world-map.mjs [NODE_MODULES] [OUT_FILE]
//
// NODE_MODULES defaults to scripts/reference-data/world-map/node_modules (npm ci there),
// OUT_FILE to <repo>/data/world/countries-110m.tsv. Package versions are pinned in
// world-map/package.json and package-lock.json; a re-run gives a byte-identical file.
//
// Output: no header; columns `id<TAB>name<TAB>svg_path`, sorted by id (ISO 3166-1 numeric,
// zero-padded text such as "792"; the three features without an id get their name with
// the spaces removed: "N.Cyprus", "Somaliland", "Kosovo"). `name` is world-atlas's own
// English short name (e.g. "Turkey"). Projection: x = (lng + 180) / 360 * 1000,
// y = (90 - lat) / 180 * 500, rounded to 0.1. Each ring is `M x y` followed by one `l`
// command with relative steps, then `Z`. Consecutive points that round to the same
// position are dropped, and so are rings left with fewer than 3 points.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const modules = resolve(process.argv[2] ?? join(here, "world-map", "node_modules"));
const outFile = resolve(process.argv[3] ?? join(root, "data", "world", "countries-110m.tsv"));

const require = createRequire(join(modules, "noop.js"));
const { feature } = require("topojson-client");
const atlasPkg = require("world-atlas/package.json");
const topojsonPkg = require("topojson-client/package.json");
const d3geoPkg = JSON.parse(readFileSync(join(modules, "d3-geo", "package.json"), "utf8"));
const { geoEquirectangular, geoStream } = await import(pathToFileURL(require.resolve("d3-geo")).href);
const topology = JSON.parse(readFileSync(require.resolve("world-atlas/countries-110m.json"), "utf8"));

const WIDTH = 1000;
const HEIGHT = 500;

// x = (lng + 180) / 360 * WIDTH, y = (90 - lat) / 180 * HEIGHT (WIDTH = 2 * HEIGHT).
// precision(0): no adaptive resampling, so straight lng/lat edges stay straight.
const projection = geoEquirectangular()
  .scale(WIDTH / (2 * Math.PI))
  .translate([WIDTH / 2, HEIGHT / 2])
  .precision(0);

// Projected position in tenths of a unit, as integers (so relative steps are exact).
const tenths = ([x, y]) => [Math.round(x * 10), Math.round(y * 10)];

// Projected (and antimeridian-clipped) rings of one geometry.
function projectedRings(geom) {
  if (geom.type !== "Polygon" && geom.type !== "MultiPolygon") throw new Error(`unexpected geometry type ${geom.type}`);
  const rings = [];
  let cur = null;
  const sink = {
    point(x, y) { cur.push([x, y]); },
    lineStart() { cur = []; },
    lineEnd() { rings.push(cur); cur = null; },
    polygonStart() {},
    polygonEnd() {},
    sphere() { throw new Error("sphere"); },
  };
  geoStream(geom, projection.stream(sink));
  return rings;
}

// Tenths as the shortest decimal text: 1234 -> "123.4", 50 -> "5", -3 -> "-0.3".
const num = (t) => {
  const sign = t < 0 ? "-" : "";
  const a = Math.abs(t);
  const whole = Math.floor(a / 10);
  const frac = a % 10;
  return sign + String(whole) + (frac ? "." + frac : "");
};

// A pair of numbers; the space before a negative number is left out (valid SVG path syntax).
const pair = (x, y) => num(x) + (y < 0 ? "" : " ") + num(y);

let droppedRings = 0;

function ringPath(ring) {
  const pts = [];
  for (const c of ring) {
    const p = tenths(c);
    const last = pts[pts.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
  }
  // GeoJSON rings repeat the first point at the end; Z closes the ring instead.
  while (pts.length > 1 && pts[pts.length - 1][0] === pts[0][0] && pts[pts.length - 1][1] === pts[0][1]) pts.pop();
  if (pts.length < 3) {
    droppedRings++;
    return "";
  }
  for (let i = 0; i < pts.length; i++) {
    const [x, y] = pts[i];
    if (x < 0 || x > WIDTH * 10 || y < 0 || y > HEIGHT * 10) throw new Error(`point ${x / 10},${y / 10} off the canvas`);
    // A step across half the map means a ring that wraps around the antimeridian.
    const prev = pts[(i + pts.length - 1) % pts.length];
    if (Math.abs(x - prev[0]) > (WIDTH * 10) / 2) throw new Error(`ring wraps around the antimeridian near ${x / 10},${y / 10}`);
  }
  let d = "M" + pair(pts[0][0], pts[0][1]) + "l";
  for (let i = 1; i < pts.length; i++) {
    const dx = pts[i][0] - pts[i - 1][0];
    const dy = pts[i][1] - pts[i - 1][1];
    d += (i > 1 && dx >= 0 ? " " : "") + pair(dx, dy);
  }
  return d + "Z";
}

function geometryPath(geom) {
  return projectedRings(geom).map(ringPath).join("");
}

const fc = feature(topology, topology.objects.countries);
const rows = [];
const seen = new Set();
for (const f of fc.features) {
  const name = String(f.properties?.name ?? "").trim();
  let id = f.id == null || f.id === "" || String(f.id).startsWith("-99") ? name.replace(/\s+/g, "") : String(f.id);
  if (!id) throw new Error("feature without id and name");
  if (/[\t\n]/.test(id + name)) throw new Error(`tab or newline in ${id} ${name}`);
  if (seen.has(id)) id = `${id}-${name.replace(/\s+/g, "")}`;
  if (seen.has(id)) throw new Error(`duplicate id ${id}`);
  seen.add(id);
  const d = geometryPath(f.geometry);
  if (!d) throw new Error(`feature ${id} ${name} has no ring left after rounding`);
  rows.push([id, name, d]);
}
rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

// Sanity checks: 177 countries, and Türkiye lies where it should.
if (rows.length !== 177) throw new Error(`expected 177 features, got ${rows.length}`);
const tr = rows.find((r) => r[0] === "792");
if (!tr) throw new Error("no feature 792 (Türkiye)");
const m = /^M([\d.]+) ([\d.]+)/.exec(tr[2]);
const [tx, ty] = [Number(m[1]), Number(m[2])];
if (!(tx > 570 && tx < 630 && ty > 100 && ty < 150)) throw new Error(`792 starts at ${tx},${ty}, outside Türkiye`);

const text = rows.map((r) => r.join("\t")).join("\n") + "\n";
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, text);
process.stderr.write(
  `world-map.mjs: world-atlas ${atlasPkg.version}, topojson-client ${topojsonPkg.version}, ` +
    `d3-geo ${d3geoPkg.version}: ` +
    `${rows.length} features, ${droppedRings} degenerate rings dropped, ${Buffer.byteLength(text)} bytes -> ${outFile}\n`,
);
