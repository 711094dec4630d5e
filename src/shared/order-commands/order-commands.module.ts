import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { registerErrorTranslator } from '../../infrastructure/http/error-mapping';
import { assertTransitionGraph } from '../order-lifecycle';
import { OrderCommandExecutor } from './order-command.executor';
import { OrderCommands } from './order-commands.service';
import { translateOrderErrors } from './order-error-translator';

/**
 * The application side of the lifecycle, shared by shop, partner, CRM, MES,
 * pricing and support: OrderCommands is the one way to run an order command.
 * The executor is its engine and is not exported.
 */
@Global()
@Module({
  providers: [OrderCommandExecutor, OrderCommands],
  exports: [OrderCommands],
})
export class OrderCommandsModule implements OnModuleInit {
  onModuleInit(): void {
    // A wrong transition table stops start-up rather than strands orders.
    assertTransitionGraph();
    registerErrorTranslator(translateOrderErrors);
  }
}
