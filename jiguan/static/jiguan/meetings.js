/* The booking form (meetings/book.html): the weekdays and the end date of a series are shown only
 * when the booking repeats. */
(function () {
  'use strict';
  var select = document.getElementById('id_recurrence');
  var more = document.getElementById('recurrence-more');
  if (!select || !more) { return; }
  var sync = function () { more.hidden = select.value === 'once'; };
  select.addEventListener('change', sync);
  sync();
}());
