/* Home page charts (首页工作台): each [data-chart] element gets the ECharts option its widget's
 * provider built (a <script type="application/json"> with the widget's key as id). A bar whose
 * item names a unit drills down: the home page opens at that unit. Each chart marks itself
 * data-rendered once drawn, so the browser tests wait for that, not for a time. */
(function () {
  'use strict';
  if (typeof echarts === 'undefined') { return; }
  var yuan = function (v) {
    return typeof v === 'number' ? v.toLocaleString('zh-CN', {maximumFractionDigits: 2}) : v;
  };
  var charts = [];
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source) { return; }
    var option = JSON.parse(source.textContent);
    var pie = option.series.some(function (s) { return s.type === 'pie'; });
    option.tooltip = option.tooltip || {trigger: pie ? 'item' : 'axis', valueFormatter: yuan};
    option.grid = option.grid || {left: 8, right: 16, top: 36, bottom: 8, containLabel: true};
    if (pie) {
      option.legend = Object.assign({type: 'scroll', bottom: 0}, option.legend || {});
      delete option.legend.data;  // the shares shown
      option.series.forEach(function (s) {
        if (s.type !== 'pie') { return; }
        s.radius = s.radius || ['35%', '65%'];
        s.center = s.center || ['50%', '45%'];
        s.data = s.data.filter(function (d) { return d.value !== 0; });  // no label for an empty share
      });
    } else if (option.legend) {
      option.legend = Object.assign({top: 0}, option.legend);
    }
    var chart = echarts.init(el, null, {locale: 'ZH', renderer: 'canvas'});
    chart.on('finished', function () { el.dataset.rendered = '1'; });
    chart.setOption(option);
    chart.on('click', function (params) {
      if (params.data && params.data.unit) {
        var url = new URL(window.location.href);
        url.searchParams.set('unit', params.data.unit);
        window.location.href = url.toString();
      }
    });
    charts.push(chart);
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
