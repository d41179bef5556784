package io.streamrlhf.trainer.loss;

/** The preference losses, as Hugging Face TRL defines them. */
public enum LossType {
    /** DPO, TRL {@code loss_type="sigmoid"}, with conservative label smoothing. */
    DPO_SIGMOID(true, true),
    /** IPO, TRL's DPO trainer {@code loss_type="ipo"}: length-averaged log-probs, squared loss. */
    IPO(true, true),
    /** SLiC hinge, TRL {@code loss_type="hinge"}. */
    HINGE(true, true),
    /** KTO on unpaired desirable/undesirable examples, TRL's KTO trainer. */
    KTO(false, true),
    /** SimPO, TRL's CPO trainer {@code loss_type="simpo"} with {@code cpo_alpha=0}: no reference. */
    SIMPO(true, false),
    /** ORPO, TRL's ORPO trainer: chosen NLL plus λ times the odds-ratio term; no reference. */
    ORPO(true, false),
    /** DPO plus λ/|y_w| times the chosen negative log-likelihood. */
    CODPO(true, true);

    private final boolean paired;
    private final boolean usesReference;

    LossType(boolean paired, boolean usesReference) {
        this.paired = paired;
        this.usesReference = usesReference;
    }

    /** Whether the loss consumes (chosen, rejected) pairs; false for KTO's unpaired examples. */
    public boolean paired() {
        return paired;
    }

    /** Whether the loss needs reference-model log-probs. */
    public boolean usesReference() {
        return usesReference;
    }

    /**
     * Whether the batch loss is a (weighted) mean of per-example terms, so that shards of a batch,
     * each scaled by its share, add up to it (data parallelism). ORPO's NLL is normalised by the whole
     * batch's chosen-token count, so it is not.
     */
    public boolean perExampleMean() {
        return this != ORPO;
    }
}
