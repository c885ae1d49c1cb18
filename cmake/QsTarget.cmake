# Common settings for every QuantScope target.
function(qs_target_defaults target)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter -Wno-sign-compare>)
  # Qt's keywords clash with libtorch's headers (ivalue_inl.h); Q_SIGNALS etc. everywhere.
  target_compile_definitions(${target} PUBLIC QT_NO_KEYWORDS)
endfunction()

# One precompiled header for every target that includes ATen: parsing it costs ~5 s a file.
function(qs_torch_pch target)
  target_precompile_headers(${target} PRIVATE <ATen/ATen.h> <string> <vector> <memory> <functional>)
endfunction()
