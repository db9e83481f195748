package dev.tether.client.testkit;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** Starts a {@link FakeGateway} on a free port for each test that asks for one, and stops it afterwards. */
public final class FakeGatewayExtension implements ParameterResolver, AfterEachCallback {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(FakeGatewayExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == FakeGateway.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent("gateway", key -> new FakeGateway(), FakeGateway.class);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        FakeGateway gateway = context.getStore(NAMESPACE).remove("gateway", FakeGateway.class);
        if (gateway != null) {
            gateway.close();
        }
    }
}
