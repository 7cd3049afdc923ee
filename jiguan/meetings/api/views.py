"""The meetings API beyond the registers: bookings, occurrences, availability, service requests,
blockings and statistics."""

urlpatterns: list = []
