/* Pickers (选择单位、选择人员、资产分类): a text box whose matches come from the server as the user types
 * (core.widgets.PickerInput renders the box; org.picker answers the matches). The page never holds
 * the list of choices: a province has 10,000 units.
 *
 * Nothing is chosen silently. Typing lists at most a screenful of matches, each with its path; the
 * arrow keys move through them, Enter or a click takes one; Enter on a list with none marked marks
 * the first, and never submits a half-typed box. Escape, or leaving the box, puts back what was
 * chosen before; emptying the box clears the choice. A box with data-picker-submit (the header's
 * unit switcher) submits its form once a match is taken.
 *
 * Events are delegated from the document, so a box that htmx swaps in works as it arrives.
 */
(function () {
  'use strict';
  if (window.jiguanPicker) { return; }
  var DELAY = 180;
  var serial = 0;

  function boxOf(el) { return el && el.closest ? el.closest('[data-picker]') : null; }

  function parts(box) {
    if (!box._picker) {
      box._picker = {
        hidden: box.querySelector('input[type=hidden]'),
        text: box.querySelector('[data-picker-text]'),
        list: box.querySelector('[role=listbox]'),
        path: box.querySelector('[data-picker-path]'),
        items: [], active: -1, seq: 0, timer: null, asked: null
      };
    }
    return box._picker;
  }

  function isOpen(p) { return p.list.classList.contains('show'); }

  function open(p) {
    p.list.classList.add('show');
    p.text.setAttribute('aria-expanded', 'true');
  }

  function close(p) {
    clearTimeout(p.timer);
    p.seq++;  // an answer still on its way is not shown
    p.list.classList.remove('show');
    p.text.setAttribute('aria-expanded', 'false');
    p.text.removeAttribute('aria-activedescendant');
    p.active = -1;
  }

  function note(p, text, css) {
    var li = document.createElement('li');
    li.className = 'dropdown-item-text small ' + (css || 'text-muted');
    li.textContent = text;
    li.setAttribute('role', 'presentation');
    p.list.appendChild(li);
  }

  function mark(p, index) {
    p.items.forEach(function (item, i) {
      item.el.classList.toggle('active', i === index);
      item.el.setAttribute('aria-selected', i === index ? 'true' : 'false');
    });
    p.active = index;
    if (index >= 0) {
      p.text.setAttribute('aria-activedescendant', p.items[index].el.id);
      p.items[index].el.scrollIntoView({block: 'nearest'});
    } else {
      p.text.removeAttribute('aria-activedescendant');
    }
  }

  // The line under a match and under the box: its path, after its code when it has one (a class
  // of GB/T 14885: "A02010105 设备 / 信息化设备 / 计算机 / 台式计算机"). Units and people have no code.
  function detail(row) {
    var path = row.path && row.path !== row.label ? row.path : '';
    if (row.code) { return path ? row.code + ' ' + path : String(row.code); }
    return path;
  }

  function show(box, p, data, q) {
    p.list.innerHTML = '';
    p.items = [];
    p.active = -1;
    var rows = (data.results || []).slice();
    if (box.hasAttribute('data-picker-blank') && q === '') {
      rows.unshift({id: '', label: box.dataset.pickerBlank, path: '', blank: true});
    }
    rows.forEach(function (row) {
      var li = document.createElement('li');
      li.id = p.list.id + '-' + (++serial);
      li.className = 'dropdown-item text-wrap';
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.style.cursor = 'pointer';
      var label = document.createElement('div');
      label.textContent = row.label;
      if (row.blank) { label.className = 'text-muted'; }
      li.appendChild(label);
      if (detail(row)) {
        var path = document.createElement('div');
        path.className = 'small text-body-secondary';
        path.textContent = detail(row);
        li.appendChild(path);
      }
      if (String(row.id) === p.hidden.value) { li.classList.add('fw-semibold'); }
      p.list.appendChild(li);
      p.items.push({el: li, row: row});
    });
    if (!(data.results || []).length) {
      note(p, data.error || box.dataset.pickerEmpty, data.error ? 'text-danger' : '');
    } else if (data.more) {
      note(p, box.dataset.pickerMore || '');
    }
    open(p);
  }

  function ask(box, p) {
    clearTimeout(p.timer);
    var typed = p.text.value.trim();
    // The chosen label in the box asks for the top of the list, not for that one unit again.
    var q = typed === (box.dataset.pickerLabel || '') ? '' : typed;
    var seq = ++p.seq;
    var source = box.dataset.picker;
    if (!source) { return; }
    var url = source + (source.indexOf('?') === -1 ? '?' : '&') + 'q=' + encodeURIComponent(q);
    p.asked = typed;
    fetch(url, {credentials: 'same-origin', headers: {'Accept': 'application/json', 'X-Requested-With': 'fetch'}})
      .then(function (response) {
        return response.json().catch(function () { return {results: [], error: box.dataset.pickerError}; });
      })
      .catch(function () { return {results: [], error: box.dataset.pickerError}; })
      .then(function (data) {
        if (seq !== p.seq || document.activeElement !== p.text) { return; }
        show(box, p, data, q);
      });
  }

  function later(box, p) {
    clearTimeout(p.timer);
    p.seq++;  // what was asked for before this keystroke is not shown any more
    p.timer = setTimeout(function () { ask(box, p); }, DELAY);
  }

  function choose(box, p, row) {
    var changed = p.hidden.value !== String(row.id);
    p.hidden.value = row.blank ? '' : String(row.id);
    p.text.value = row.blank ? '' : row.label;
    box.dataset.pickerValue = p.hidden.value;
    box.dataset.pickerLabel = p.text.value;
    var path = detail(row);
    if (p.path) { p.path.textContent = path; }
    if (path) { p.text.title = path; } else { p.text.removeAttribute('title'); }
    close(p);
    if (changed) {
      p.hidden.dispatchEvent(new Event('change', {bubbles: true}));
      p.hidden.dispatchEvent(new CustomEvent('picker:chosen', {bubbles: true, detail: row}));
    }
    if (box.hasAttribute('data-picker-submit') && changed && p.hidden.form) {
      if (p.hidden.form.requestSubmit) { p.hidden.form.requestSubmit(); } else { p.hidden.form.submit(); }
    }
  }

  function revert(box, p) {
    p.text.value = box.dataset.pickerLabel || '';
  }

  function settle(box, p) {
    close(p);
    // Emptied and left: no choice any more (a switcher, which would reload the page, keeps its own).
    if (p.text.value.trim() === '' && !box.hasAttribute('data-picker-submit')) {
      if (p.hidden.value !== '') { choose(box, p, {id: '', label: '', path: '', blank: true}); }
      box.dataset.pickerLabel = '';
    } else {
      revert(box, p);
    }
  }

  document.addEventListener('input', function (e) {
    if (!e.target.hasAttribute || !e.target.hasAttribute('data-picker-text')) { return; }
    var box = boxOf(e.target);
    if (box) { later(box, parts(box)); }
  });

  document.addEventListener('click', function (e) {
    var box = boxOf(e.target);
    if (!box) { return; }
    var p = parts(box);
    if (e.target === p.text) {
      if (!isOpen(p)) { ask(box, p); }
      return;
    }
    var li = e.target.closest('[role=option]');
    if (li && p.list.contains(li)) {
      var item = p.items.filter(function (it) { return it.el === li; })[0];
      if (item) { choose(box, p, item.row); p.text.focus(); }
    }
  });

  // A click on a match must not blur the box first (which would put the old label back).
  document.addEventListener('mousedown', function (e) {
    var box = boxOf(e.target);
    if (box && parts(box).list.contains(e.target)) { e.preventDefault(); }
  });

  document.addEventListener('keydown', function (e) {
    if (!e.target.hasAttribute || !e.target.hasAttribute('data-picker-text')) { return; }
    var box = boxOf(e.target);
    if (!box) { return; }
    var p = parts(box);
    var count = p.items.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!isOpen(p)) { ask(box, p); return; }
      if (!count) { return; }
      var step = e.key === 'ArrowDown' ? 1 : -1;
      mark(p, p.active < 0 ? (step > 0 ? 0 : count - 1) : (p.active + step + count) % count);
    } else if (e.key === 'Enter') {
      var typed = p.text.value.trim();
      var dirty = typed !== (box.dataset.pickerLabel || '');
      if (isOpen(p)) {
        e.preventDefault();
        if (p.active >= 0) { choose(box, p, p.items[p.active].row); } else if (count) { mark(p, 0); }
      } else if (dirty && typed !== '') {
        e.preventDefault();  // a half-typed box: show its matches, submit nothing yet
        ask(box, p);
      } else if (dirty) {
        settle(box, p);
      }
    } else if (e.key === 'Escape') {
      if (isOpen(p)) { e.preventDefault(); e.stopPropagation(); close(p); revert(box, p); }
    } else if (e.key === 'Tab') {
      close(p);
    }
  });

  document.addEventListener('focusout', function (e) {
    var box = boxOf(e.target);
    if (!box || box.contains(e.relatedTarget)) { return; }
    settle(box, parts(box));
  });

  window.jiguanPicker = {ask: function (box) { ask(box, parts(box)); }};
})();
