from jiguan.core import registers

urlpatterns = registers.api_urlpatterns("example_plugin")
