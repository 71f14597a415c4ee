/** Datasets (sentences, text corpora, images) and tokenizers that feed models. */
package io.precis.engine.data;
