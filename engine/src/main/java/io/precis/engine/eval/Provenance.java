package io.precis.engine.eval;

/**
 * Where a number came from: which model (file hash) with which weights, on which data (content hash),
 * measured how, with which seed, by which engine on which device.
 */
public record Provenance(String model, String modelHash, String weights, String data, String dataHash, int samples,
                         long seed, String engine, String device) {

    public String shortText() {
        return model + "@" + modelHash.substring(0, Math.min(12, modelHash.length())) + " (" + weights + ") on " + data + "@"
                + dataHash.substring(0, Math.min(12, dataHash.length())) + ", " + samples + " samples, seed " + seed + ", "
                + engine + " on " + device;
    }
}
