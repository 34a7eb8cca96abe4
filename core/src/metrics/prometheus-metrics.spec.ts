import { expect } from "chai";
import { PrometheusMetrics } from "./prometheus-metrics.js";

describe("PrometheusMetrics", () => {
  it("renders bound counters, collected families and histograms as Prometheus text", async () => {
    const m = new PrometheusMetrics();
    const family = m.counter({ name: "presence_hub_things_total", help: "Things.", labelNames: ["kind"] });
    const red = family.labels("red");
    red.inc();
    red.inc(2);
    expect(family.labels("red")).to.equal(red); // one cell per label set: keep it or look it up, same counter
    let level = 7;
    m.collect({ name: "presence_hub_level", help: "A level.", type: "gauge", labelNames: ["where"] }, (emit) => {
      emit(level, { where: "here" });
      emit(1, { where: 'quo"te' });
    });
    m.histogram({ name: "presence_hub_wait_seconds", help: "Waits.", buckets: [0.1, 1] }).labels().observe(0.5);
    let text = await m.render();
    expect(text).to.include('# TYPE presence_hub_things_total counter\npresence_hub_things_total{kind="red"} 3\n');
    expect(text).to.include('presence_hub_level{where="here"} 7\npresence_hub_level{where="quo\\"te"} 1\n');
    expect(text).to.include('presence_hub_wait_seconds_bucket{le="1"} 1\n');
    expect(text).to.include("process_cpu_user_seconds_total");
    level = 9;
    text = await m.render();
    expect(text).to.include('presence_hub_level{where="here"} 9\n');
  });

  it("refuses names outside the hub's namespace, counters without _total and duplicates", () => {
    const m = new PrometheusMetrics();
    expect(() => m.counter({ name: "things_total", help: "x" })).to.throw(/start with presence_hub_/);
    expect(() => m.counter({ name: "presence_hub_things", help: "x" })).to.throw(/must end in _total/);
    expect(() => m.collect({ name: "presence_hub_level_total", help: "x", type: "gauge" }, () => {})).to.throw(/must not end in _total/);
    expect(() => m.counter({ name: "presence_hub_x_total", help: "x", labelNames: ["Bad-Label"] })).to.throw(/snake case/);
    m.counter({ name: "presence_hub_once_total", help: "x" });
    expect(() => m.counter({ name: "presence_hub_once_total", help: "x" })).to.throw(/registered twice/);
    expect(() => m.counter({ name: "presence_hub_l_total", help: "x", labelNames: ["a"] }).labels()).to.throw(/takes 1 label values/);
  });
});
