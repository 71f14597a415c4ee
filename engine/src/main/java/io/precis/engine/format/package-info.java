/** Number formats (int, fp8, mxfp4, nf4...) with their granularity, scales and rounding; {@code Formats} names and parses them. */
package io.precis.engine.format;
