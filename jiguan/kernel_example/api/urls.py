from jiguan.core import registers

urlpatterns = registers.api_urlpatterns("kernel_example")
