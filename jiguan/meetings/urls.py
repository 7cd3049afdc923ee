from jiguan.core import registers

from . import views

app_name = "meetings"

urlpatterns = registers.urlpatterns("meetings") + views.urlpatterns
