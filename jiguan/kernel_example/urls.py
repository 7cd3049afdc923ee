from jiguan.core import registers

app_name = "kernel_example"

urlpatterns = registers.urlpatterns("kernel_example")
