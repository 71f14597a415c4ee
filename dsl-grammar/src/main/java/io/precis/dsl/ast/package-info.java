/** The language's immutable AST: records under sealed interfaces, each with its source span. */
package io.precis.dsl.ast;
