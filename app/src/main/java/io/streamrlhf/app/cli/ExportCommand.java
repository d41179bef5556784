package io.streamrlhf.app.cli;

import io.streamrlhf.trainer.hf.ModelConfigException;
import io.streamrlhf.trainer.model.llama.LlamaExport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf export --model DIR --adapter DIR OUT}: merges a PEFT LoRA adapter into its Hugging Face base
 * model and writes the result as a plain Hugging Face model directory (config.json, fp32 model.safetensors,
 * tokenizer files) that any inference server loads without PEFT. Runs locally; needs no broker.
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = "Merge a LoRA adapter into its base model and write a Hugging Face model directory.")
public final class ExportCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "The base Hugging Face model directory.")
    Path model;

    @Option(
            names = "--adapter",
            required = true,
            description = "The PEFT adapter directory (adapter_config.json, "
                    + "adapter_model.safetensors), e.g. a published version's checkpoint.")
    Path adapter;

    @Parameters(index = "0", paramLabel = "OUT", description = "Output directory (created; must be new or empty).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try {
            LlamaExport.mergeAndWrite(model, adapter, out);
        } catch (IOException | ModelConfigException e) {
            spec.commandLine().getErr().println("streamrlhf export: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
        PrintWriter writer = spec.commandLine().getOut();
        writer.println("wrote " + out.toAbsolutePath());
        writer.flush();
        return 0;
    }
}
