from jiguan.core import registers

from . import views

urlpatterns = registers.api_urlpatterns("meetings") + views.urlpatterns
