/** Measuring an analysis's configurations as Apache Spark jobs: the optional cluster behind {@code set cluster}. */
package io.precis.spark;
