import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { registerErrorTranslator } from '../../infrastructure/http/error-mapping';
import { assertTransitionGraph } from '../order-lifecycle';
import { ExecuteOrderCommandHandler } from './execute-order-command';
import { OrderCommandExecutor } from './order-command.executor';
import { translateOrderErrors } from './order-error-translator';

/** The application side of the lifecycle, shared by shop, CRM, MES, pricing and support. */
@Global()
@Module({
  providers: [OrderCommandExecutor, ExecuteOrderCommandHandler],
  exports: [OrderCommandExecutor],
})
export class OrderCommandsModule implements OnModuleInit {
  onModuleInit(): void {
    // A wrong transition table stops start-up rather than strands orders.
    assertTransitionGraph();
    registerErrorTranslator(translateOrderErrors);
  }
}
