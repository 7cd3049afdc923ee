/* Row checkboxes of a list (core/_list_table.html) and its bulk actions (#bulk-form): the buttons
 * work once a row is ticked, the count says how many, 全选本页 ticks the page's rows. */
(function () {
  'use strict';
  var form = document.getElementById('bulk-form');
  if (!form) { return; }
  var all = document.querySelector('[data-select-all]');
  var count = document.getElementById('bulk-count');
  var idle = count ? count.textContent : '';

  function boxes() { return Array.prototype.slice.call(document.querySelectorAll('[data-row-check]')); }

  function update() {
    var ticked = boxes().filter(function (box) { return box.checked; }).length;
    form.querySelectorAll('[data-bulk]').forEach(function (button) { button.disabled = ticked === 0; });
    if (count) { count.textContent = ticked ? count.dataset.template.replace('%s', ticked) : idle; }
    if (all) {
      all.checked = ticked > 0 && ticked === boxes().length;
      all.indeterminate = ticked > 0 && ticked < boxes().length;
    }
  }

  document.addEventListener('change', function (event) {
    if (event.target === all) {
      boxes().forEach(function (box) { box.checked = all.checked; });
    }
    if (event.target === all || event.target.hasAttribute('data-row-check')) { update(); }
  });
  update();
})();
