#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mcpjail_fuzz::units(data));
